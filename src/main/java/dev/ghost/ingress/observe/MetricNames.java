package dev.ghost.ingress.observe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every metric this node exports, in one list, each with its documentation: the HELP text {@code /metrics} shows
 * (set on every meter by {@link HelpText}; it starts with the meter's type and labels). Names are Micrometer names;
 * Prometheus shows them with dots as underscores and counters with {@code _total}. Names follow the Prometheus
 * conventions: base units (seconds, bytes) written as the name's last word, points in time as
 * {@code _timestamp_seconds} (Unix time; 0 when it never happened, never a -1 sentinel). Labels are bounded:
 * listener, route id, reason, outcome, kind, probe result, and a backend address taken from the route table; never a
 * client address or an SNI. The closed label values (close reasons, outcomes, kinds) are all shown from start at 0
 * ({@code KnownLabels}); per-route series appear with a route's first connection and leave with the route.
 */
public final class MetricNames {

  private MetricNames() {}

  /** HELP text by metric name, filled as the constants below are declared (class initialisation only). */
  private static final Map<String, String> HELP = new LinkedHashMap<>();

  /** Declares a metric: its name, and the HELP text every registry shows for it ({@link HelpText}). */
  private static String metric(String name, String help) {
    HELP.put(name, help);
    return name;
  }

  /** Every metric declared here with its HELP text, in declaration order. */
  public static Map<String, String> help() {
    return Collections.unmodifiableMap(HELP);
  }

  public static final String CONNECTIONS_ACCEPTED = metric("ghost.connections.accepted",
      "Counter {listener}: connections accepted.");
  public static final String CONNECTIONS_ACTIVE = metric("ghost.connections.active",
      "Gauge {listener}: connections open on a listener.");
  public static final String ROUTE_CONNECTIONS_ACCEPTED = metric("ghost.route.connections.accepted",
      "Counter {route}: connections routed to a route (before its connection limit); the series appears with the "
          + "route's first connection; once the route left the table and its last connection closed, the next scrape "
          + "shows its final value and removes it (as every {route} series of the data path).");
  public static final String ROUTE_CONNECTIONS_ACTIVE = metric("ghost.route.connections.active",
      "Gauge {route}: connections open on a route (past its connection limit); appears and leaves as "
          + "ghost_route_connections_accepted_total does.");
  public static final String CONNECTIONS_CLOSED = metric("ghost.connections.closed",
      "Counter {reason, route}: connections closed; route is \"none\" before routing.");
  public static final String SNIFF = metric("ghost.sniff",
      "Counter {outcome}: ClientHello sniff outcomes: found, no_sni, not_tls, timeout, too_large, "
          + "malformed, and truncated (the client sent FIN in the middle of its hello: the SNI is unavailable).");
  public static final String SNIFF_DURATION = metric("ghost.sniff.duration.seconds",
      "Histogram: time from accept to the sniff outcome (every outcome, timeouts included), seconds.");
  public static final String BACKEND_CONNECT = metric("ghost.backend.connect.seconds",
      "Histogram: time from the first dial to a connected backend (failover attempts included), seconds; failed "
          + "connects are in ghost_upstream_connect_failures_total.");
  public static final String CONNECTION_DURATION = metric("ghost.connection.duration.seconds",
      "Histogram: time from accept to close of every connection (refused ones included), seconds.");
  public static final String PROXY_HEADER_WRITE_FAILURES = metric("ghost.proxy_protocol.write_failures",
      "Counter: PROXY v2 headers the backend did not take in full (the write failed, or the connection ended "
          + "before the header and the bytes read with the hello were out); the connection ends by its own reason.");
  public static final String RELAYS = metric("ghost.relays",
      "Counter {relay}: relays started, by how their bytes move: splice (kernel splice(2), native epoll) or "
          + "buffered (through the JVM, other transports).");
  public static final String UPSTREAM_CONNECT_FAILURES = metric("ghost.upstream.connect.failures",
      "Counter {route, kind}: failed upstream connect attempts; kind is refused, timeout or error.");
  public static final String UPSTREAM_PANIC = metric("ghost.upstream.panic",
      "Counter {route}: connections sent to every backend because all were ejected.");
  public static final String BYTES_FROM_CLIENT = metric("ghost.from_client.bytes",
      "Counter {route}: bytes read from clients and written upstream.");
  public static final String BYTES_FROM_BACKEND = metric("ghost.from_backend.bytes",
      "Counter {route}: bytes read from backends and written to clients.");
  public static final String LISTENER_BIND_FAILURES = metric("ghost.listener.bind.failures",
      "Counter {listener}: listener bind failures (at runtime: logged, counted, never fatal).");
  public static final String LISTENER_ACCEPT_FAILURES = metric("ghost.listener.accept.failures",
      "Counter {listener}: accepts that failed for lack of resources (descriptors, memory); the listener "
          + "pauses accepting briefly after each and logs the pause.");
  public static final String ROUTES_LOADED = metric("ghost.routes.loaded",
      "Gauge: routes applied in the current table.");
  public static final String ROUTES_PROXY_PROTOCOL = metric("ghost.routes.proxy_protocol",
      "Gauge: routes with PROXY protocol v2 enabled.");
  public static final String ROUTE_TABLE_VERSION = metric("ghost.route.table.version",
      "Gauge: the current route table version.");
  public static final String ROUTE_CONFLICTS = metric("ghost.route.conflicts",
      "Gauge: route conflicts in the current table.");
  public static final String ROUTE_REJECTIONS = metric("ghost.route.rejections",
      "Gauge: routes rejected from the current table (invalid host name, denied port).");
  public static final String ENVS_DEGRADED = metric("ghost.envs.degraded",
      "Gauge: environments marked degraded (IPv4 claimed by an older env, or their IPv4 cannot be bound).");
  public static final String ROUTE_BACKENDS = metric("ghost.route.backends",
      "Gauge {route}: backends configured for a route.");
  public static final String ROUTE_BACKENDS_EJECTED = metric("ghost.route.backends.ejected",
      "Gauge {route}: backends of a route currently ejected by passive health.");
  public static final String ROUTE_SERIES_OMITTED = metric("ghost.route.series.omitted",
      "Gauge: routes whose per-route series (ghost_route_backends, ghost_route_backends_ejected, "
          + "ghost_backend_eligible) are not exported because the table holds more routes than the per-route cap; "
          + "0 at or below it.");
  public static final String ROUTES_WITHOUT_ELIGIBLE = metric("ghost.routes.without.eligible.backend",
      "Gauge: routes of the table none of whose backends is offered to new connections (none configured, or all "
          + "drained, ejected or probe-down); exported whatever the table's size.");

  public static final String SYNC_ERRORS = metric("ghost.sync.errors",
      "Counter {kind}: control-plane sync failures (unreachable, timeout, unauthorized, server_error, ...).");
  public static final String SYNC_EVENTS = metric("ghost.sync.events",
      "Counter {outcome}: control-plane events read: applied, ignored (unknown type), rejected (bad "
          + "payload).");
  public static final String SYNC_INSTANCES_DROPPED = metric("ghost.sync.instances.dropped",
      "Counter {reason}: ready control-plane instances given no connections because of their overlay_ipv6: "
          + "missing_address or bad_address (not an IPv6 literal); each instance and address counted once.");
  public static final String SYNC_TABLES = metric("ghost.sync.tables",
      "Counter: route tables swapped in from the control plane.");
  public static final String SYNC_CURSOR = metric("ghost.sync.cursor",
      "Gauge: the control-plane event cursor this node has applied up to.");
  public static final String SYNC_LAST_SUCCESS_TIMESTAMP = metric("ghost.sync.last_success_timestamp_seconds",
      "Gauge: Unix time of the last successful control-plane read; 0 before the first (so time() minus it is "
          + "large, and an age alert fires, until one succeeds).");
  public static final String STATE_FILE_LOADS = metric("ghost.state_file.loads",
      "Counter {outcome}: state file loads at start: ok, missing, corrupt, foreign_version, too_many_routes.");
  public static final String STATE_FILE_JOURNAL_REPLAYS = metric("ghost.state_file.journal_replays",
      "Counter {outcome}: state file journal replays at start, by outcome: none, replayed, other_base, bad_header, "
          + "too_large, unreadable, torn_tail, bad_record, cursor_backwards, hash_mismatch.");
  public static final String STATE_FILE_JOURNAL_RECORDS = metric("ghost.state_file.journal_records",
      "Counter: state file journal records applied at start (the changes written since the base).");
  public static final String STATE_FILE_WRITTEN_BYTES = metric("ghost.state_file.written.bytes",
      "Counter {part}: state file bytes written, by part: base (the whole state, with its journal's "
          + "header) or journal (one record per change).");
  public static final String STATE_FILE_WRITE_FAILURES = metric("ghost.state_file.write_failures",
      "Counter: state file writes that failed (unwritable path, full disk); the node keeps serving.");
  public static final String STATE_FILE_WRITTEN_TIMESTAMP = metric("ghost.state_file.written_timestamp_seconds",
      "Gauge: Unix time at which the state in force was written (by this node, or before the load at start); 0 "
          + "when there is none.");
  public static final String STATE_FILE_VERSION = metric("ghost.state_file.version",
      "Gauge: format version of the state file (1); 0 when there is none.");
  public static final String DRAINS_FILE_LOADS = metric("ghost.drains_file.loads",
      "Counter {outcome}: admin drain file loads at start: ok, missing, corrupt.");
  public static final String DRAINS_FILE_WRITE_FAILURES = metric("ghost.drains_file.write_failures",
      "Counter: admin drain file writes that failed; the drains stay in force in memory and on the other "
          + "nodes.");
  public static final String DRAINS = metric("ghost.drains",
      "Counter {route}: open connections whose drain clock started (route gone, backend or PROXY mode "
          + "changed).");

  public static final String HEALTH_PROBES = metric("ghost.health.probes",
      "Counter {result}: active TCP health probes by result: success, refused, timeout, error.");
  public static final String HEALTH_TRANSITIONS = metric("ghost.health.transitions",
      "Counter {to}: probe verdict transitions of a backend: to down (health.fall failures) or back up.");
  public static final String BACKEND_ELIGIBLE = metric("ghost.backend.eligible",
      "Gauge {route, backend}: 1 when the backend is offered to new connections of the route (not drained, "
          + "ejected or probe-down), else 0; removed when the backend leaves the route table.");
  public static final String CONNECTIONS_DRAINING = metric("ghost.connections.draining",
      "Gauge: open connections whose drain clock runs (their backend left its route or was drained), all "
          + "backends.");
  public static final String ADMIN_REFUSALS = metric("ghost.admin.refusals",
      "Counter {reason}: admin HTTP requests and connections refused: foreign_host, cross_site, "
          + "unsupported_media_type, body_too_large, malformed_request, unauthorized, not_loopback, "
          + "connection_limit, request_timeout.");
  public static final String CLUSTER_REFUSALS = metric("ghost.cluster.refusals",
      "Counter {channel, reason}: what a clustered node refused to act on because it does not prove the "
          + "fleet's secret. channel: snapshot, fleet_entry, member_entry (a membership proof: the member is "
          + "never elected), admin_command; reason: unsigned, bad_mac, malformed, mismatch. (A TLS peer without "
          + "the secret fails the event-bus handshake inside Vert.x and is not counted here.)");
  public static final String CONFIG_RELOAD_FAILURES = metric("ghost.config.reload.failures",
      "Counter {reason}: config reloads refused (missing, unreadable, parse, invalid); the previous config "
          + "stays.");
  public static final String CONFIG_RELOADS = metric("ghost.config.reloads",
      "Counter {trigger}: config reloads that changed something in force; trigger is scan or admin.");
  public static final String CONFIG_APPLIED_TIMESTAMP = metric("ghost.config.applied_timestamp_seconds",
      "Gauge: epoch seconds at which the configuration in force was applied (start-up or the last reload).");
  public static final String EVENT_LOOP_LAG_MAX = metric("ghost.event_loop.lag.max",
      "Gauge: the worst event-loop lag since start (how late a 20 ms sampling task ran), seconds.");
  public static final String BUILD_INFO = metric("ghost.build.info",
      "Gauge {version, commit}: always 1; the build's Maven version and git commit (\"unknown\" when built "
          + "outside a git work tree).");
  public static final String EVENT_LOOP_STALLS = metric("ghost.event_loop.stalls",
      "Counter {phase, cause}: event-loop lags of 50 ms or more (stalls); phase is start until the node is first "
          + "ready, then serving; cause is work (the loop ran: work that belongs off the loops or in slices), "
          + "cpu_wait (the loop waited for a core the host gave to others), paused (a collection or other JVM "
          + "pause, or a blocking call) or unknown (no per-thread scheduler statistics on this system).");
}
