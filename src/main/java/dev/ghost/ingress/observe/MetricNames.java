package dev.ghost.ingress.observe;

/**
 * Every metric this node exports, in one list. Names are Micrometer names; Prometheus shows them with dots as
 * underscores and counters with {@code _total}. Labels are bounded: listener, route id, reason, outcome, kind;
 * never a client address or an SNI.
 */
public final class MetricNames {

  private MetricNames() {}

  /** Counter {listener}: connections accepted. */
  public static final String CONNECTIONS_ACCEPTED = "ghost.connections.accepted";
  /** Gauge {listener}: connections open on a listener. */
  public static final String CONNECTIONS_ACTIVE = "ghost.connections.active";
  /** Gauge {route}: connections open on a route. */
  public static final String ROUTE_CONNECTIONS_ACTIVE = "ghost.route.connections.active";
  /** Counter {reason, route}: connections closed; route is "none" before routing. */
  public static final String CONNECTIONS_CLOSED = "ghost.connections.closed";
  /**
   * Counter {outcome}: ClientHello sniff outcomes: found, no_sni, not_tls, timeout, too_large, malformed, and
   * truncated (the client sent FIN in the middle of its hello: the SNI is unavailable).
   */
  public static final String SNIFF = "ghost.sniff";
  /** Counter {route, kind}: failed upstream connect attempts; kind is refused, timeout or error. */
  public static final String UPSTREAM_CONNECT_FAILURES = "ghost.upstream.connect.failures";
  /** Counter {route}: connections sent to every backend because all were ejected. */
  public static final String UPSTREAM_PANIC = "ghost.upstream.panic";
  /** Counter {route}: bytes read from clients and written upstream. */
  public static final String BYTES_FROM_CLIENT = "ghost.bytes.from_client";
  /** Counter {route}: bytes read from backends and written to clients. */
  public static final String BYTES_FROM_BACKEND = "ghost.bytes.from_backend";
  /** Counter {listener}: listener bind failures (at runtime: logged, counted, never fatal). */
  public static final String LISTENER_BIND_FAILURES = "ghost.listener.bind.failures";
  /** Gauge: routes applied in the current table. */
  public static final String ROUTES_LOADED = "ghost.routes.loaded";
  /** Gauge: routes with PROXY protocol v2 enabled. */
  public static final String ROUTES_PROXY_PROTOCOL = "ghost.routes.proxy_protocol";
  /** Gauge: the current route table version. */
  public static final String ROUTE_TABLE_VERSION = "ghost.route.table.version";
  /** Gauge: route conflicts in the current table. */
  public static final String ROUTE_CONFLICTS = "ghost.route.conflicts";
  /** Gauge: routes rejected from the current table (invalid host name, denied port). */
  public static final String ROUTE_REJECTIONS = "ghost.route.rejections";
  /** Gauge: environments marked degraded (IPv4 claimed by an older env). */
  public static final String ENVS_DEGRADED = "ghost.envs.degraded";
  /** Gauge {route}: backends configured for a route. */
  public static final String ROUTE_BACKENDS = "ghost.route.backends";
  /** Gauge {route}: backends of a route currently ejected by passive health. */
  public static final String ROUTE_BACKENDS_EJECTED = "ghost.route.backends.ejected";
}
