package dev.ghost.ingress.observe;

/**
 * Every metric this node exports, in one list. Names are Micrometer names; Prometheus shows them with dots as
 * underscores and counters with {@code _total}. Labels are bounded: listener, route id, reason, outcome, kind, probe
 * result, and a backend address taken from the route table; never a client address or an SNI.
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
  /**
   * Counter {relay}: relays started, by how their bytes move: splice (kernel {@code splice(2)}, native epoll) or
   * buffered (through the JVM, other transports).
   */
  public static final String RELAYS = "ghost.relays";
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
  /**
   * Counter {listener}: accepts that failed for lack of resources (descriptors, memory); the listener pauses
   * accepting briefly after each and logs the pause.
   */
  public static final String LISTENER_ACCEPT_FAILURES = "ghost.listener.accept.failures";
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
  /** Gauge: environments marked degraded (IPv4 claimed by an older env, or their IPv4 cannot be bound). */
  public static final String ENVS_DEGRADED = "ghost.envs.degraded";
  /** Gauge {route}: backends configured for a route. */
  public static final String ROUTE_BACKENDS = "ghost.route.backends";
  /** Gauge {route}: backends of a route currently ejected by passive health. */
  public static final String ROUTE_BACKENDS_EJECTED = "ghost.route.backends.ejected";

  /** Counter {kind}: control-plane sync failures (unreachable, timeout, unauthorized, server_error, ...). */
  public static final String SYNC_ERRORS = "ghost.sync.errors";
  /** Counter {outcome}: control-plane events read: applied, ignored (unknown type), rejected (bad payload). */
  public static final String SYNC_EVENTS = "ghost.sync.events";
  /**
   * Counter {reason}: ready control-plane instances given no connections because of their {@code overlay_ipv6}:
   * missing_address or bad_address (not an IPv6 literal); each instance and address counted once.
   */
  public static final String SYNC_INSTANCES_DROPPED = "ghost.sync.instances.dropped";
  /** Counter: route tables swapped in from the control plane. */
  public static final String SYNC_TABLES = "ghost.sync.tables";
  /** Gauge: the control-plane event cursor this node has applied up to. */
  public static final String SYNC_CURSOR = "ghost.sync.cursor";
  /** Gauge: seconds since the last successful control-plane read; -1 before the first. */
  public static final String SYNC_LAST_SUCCESS_AGE = "ghost.sync.last_success_age_seconds";
  /** Counter {outcome}: state file loads at start: ok, missing, corrupt, foreign_version. */
  public static final String STATE_FILE_LOADS = "ghost.state_file.loads";
  /** Counter: state file writes that failed (unwritable path, full disk); the node keeps serving. */
  public static final String STATE_FILE_WRITE_FAILURES = "ghost.state_file.write_failures";
  /** Gauge: age in seconds of the state last written or loaded; -1 when there is none. */
  public static final String STATE_FILE_AGE = "ghost.state_file.age_seconds";
  /** Gauge: format version of the state file ({@code 1}); 0 when there is none. */
  public static final String STATE_FILE_VERSION = "ghost.state_file.version";
  /** Counter {outcome}: admin drain file loads at start: ok, missing, corrupt. */
  public static final String DRAINS_FILE_LOADS = "ghost.drains_file.loads";
  /** Counter: admin drain file writes that failed; the drains stay in force in memory and on the other nodes. */
  public static final String DRAINS_FILE_WRITE_FAILURES = "ghost.drains_file.write_failures";
  /** Counter {route}: open connections whose drain clock started (route gone, backend or PROXY mode changed). */
  public static final String DRAINS = "ghost.drains";

  /** Counter {result}: active TCP health probes by result: success, refused, timeout, error. */
  public static final String HEALTH_PROBES = "ghost.health.probes";
  /** Counter {to}: probe verdict transitions of a backend: to down ({@code health.fall} failures) or back up. */
  public static final String HEALTH_TRANSITIONS = "ghost.health.transitions";
  /**
   * Gauge {route, backend}: 1 when the backend is offered to new connections of the route (not drained, ejected or
   * probe-down), else 0; removed when the backend leaves the route table.
   */
  public static final String BACKEND_ELIGIBLE = "ghost.backend.eligible";
  /** Gauge: open connections whose drain clock runs (their backend left its route or was drained), all backends. */
  public static final String CONNECTIONS_DRAINING = "ghost.connections.draining";
  /**
   * Counter {reason}: admin HTTP requests and connections refused: foreign_host, cross_site, unsupported_media_type,
   * body_too_large, malformed_request, unauthorized, not_loopback, connection_limit, request_timeout.
   */
  public static final String ADMIN_REFUSALS = "ghost.admin.refusals";
  /**
   * Counter {channel, reason}: what a clustered node refused to act on because it does not prove the fleet's secret.
   * channel: snapshot, fleet_entry, member_entry (a membership proof: the member is never elected), admin_command;
   * reason: unsigned, bad_mac, malformed, mismatch. (A TLS peer without the secret fails the event-bus handshake
   * inside Vert.x and is not counted here.)
   */
  public static final String CLUSTER_REFUSALS = "ghost.cluster.refusals";
  /** Counter {reason}: config reloads refused (missing, unreadable, parse, invalid); the previous config stays. */
  public static final String CONFIG_RELOAD_FAILURES = "ghost.config.reload.failures";
  /** Counter {trigger}: config reloads that changed something in force; trigger is scan or admin. */
  public static final String CONFIG_RELOADS = "ghost.config.reloads";
  /** Gauge: epoch seconds at which the configuration in force was applied (start-up or the last reload). */
  public static final String CONFIG_APPLIED_TIMESTAMP = "ghost.config.applied_timestamp_seconds";
  /** Gauge: the worst event-loop lag since start (how late a 20 ms sampling task ran), seconds. */
  public static final String EVENT_LOOP_LAG_MAX = "ghost.event_loop.lag.max";
  /** Counter: event-loop lags of 50 ms or more (stalls: work that should run off the loops or in slices). */
  public static final String EVENT_LOOP_STALLS = "ghost.event_loop.stalls";
}
