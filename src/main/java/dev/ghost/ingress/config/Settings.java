package dev.ghost.ingress.config;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every node setting, once: environment variable, TOML key, type, default and meaning. {@link ConfigLoader} reads
 * them from this table, {@link #markdownTable()} renders the table of {@code docs/configuration.md} from it, and a test checks that
 * {@code conf/example.toml} shows every key.
 *
 * <p>Defaults are written in environment-variable syntax and parsed like an environment value, so the table cannot
 * disagree with the loader. A null default means "none"; {@link #NODE_ID} is computed (see {@link ConfigLoader}).
 * The environment always wins over the file.
 */
public enum Settings {

  LISTEN_IPV6("GHOST_LISTEN_ADDR_IPV6", "listen.ipv6", Type.HOST_PORT_LIST, "[::]:443", null,
      "shared listeners; each port is a route port"),
  LISTEN_IPV4("GHOST_LISTEN_ADDR_IPV4", "listen.ipv4", Type.HOST_PORT_LIST, "", "none",
      "where IPv4 is accepted; specific addresses are bound per env"),
  PORT_MAP("GHOST_PORT_MAP", "listen.port_map", Type.PORT_MAP, "", "none (identity)",
      "route port to bind port, e.g. `443=8443,80=8080`; bind port 0 allowed"),
  ADMIN_ADDR("GHOST_ADMIN_ADDR", "admin.listen", Type.HOST_PORT, "127.0.0.1:9901", null,
      "admin HTTP API"),
  ADMIN_TOKEN("GHOST_ADMIN_TOKEN", "admin.token", Type.STRING, null, "none",
      "bearer token for mutating admin calls; none: only from loopback"),
  ADMIN_ALLOWED_HOSTS("GHOST_ADMIN_ALLOWED_HOSTS", "admin.allowed_hosts", Type.STRING_LIST, "", "none",
      "host names the admin API answers to besides IP literals, `localhost` and the `admin.listen` host; any other "
          + "`Host` header is refused (DNS rebinding)"),
  LOG_LEVEL("GHOST_LOG_LEVEL", "log.level", Type.LOG_LEVEL, "info", null,
      "log level, case-insensitive"),
  ACCESS_LOG("GHOST_ACCESS_LOG", "log.access", Type.BOOL, "true", null,
      "one JSON line per closed connection"),
  SNIFF_TIMEOUT("GHOST_SNIFF_TIMEOUT", "proxy.sniff_timeout", Type.DURATION, "200ms", null,
      "time allowed for the ClientHello"),
  MAX_SNIFF_BYTES("GHOST_MAX_SNIFF_BYTES", "proxy.max_sniff_bytes", Type.INT, "8192", null,
      "largest ClientHello read", 512, 65536),
  CONNECT_TIMEOUT("GHOST_CONNECT_TIMEOUT", "proxy.connect_timeout", Type.DURATION, "2s", null,
      "backend connect timeout, per attempt"),
  CONNECT_ATTEMPTS("GHOST_CONNECT_ATTEMPTS", "proxy.connect_attempts", Type.INT, "3", null,
      "backends tried per connection", 1, 10),
  IDLE_TIMEOUT("GHOST_IDLE_TIMEOUT", "proxy.idle_timeout", Type.DURATION_OR_ZERO, "0", null,
      "default idle timeout of tls_passthrough routes"),
  DRAIN_TIMEOUT("GHOST_DRAIN_TIMEOUT", "proxy.drain_timeout", Type.DURATION_OR_ZERO, "30s", null,
      "how long a drain waits for connections"),
  SHUTDOWN_TIMEOUT("GHOST_SHUTDOWN_TIMEOUT", "proxy.shutdown_timeout", Type.DURATION, "60s", null,
      "hard limit on a graceful shutdown"),
  TCP_KEEPALIVE("GHOST_TCP_KEEPALIVE", "proxy.tcp_keepalive", Type.BOOL, "true", null,
      "SO_KEEPALIVE on both sides"),
  EJECT_BASE("GHOST_EJECT_BASE", "proxy.eject_base", Type.DURATION, "1s", null,
      "first passive ejection of a failing backend"),
  EJECT_MAX("GHOST_EJECT_MAX", "proxy.eject_max", Type.DURATION, "300s", null,
      "longest passive ejection; at least `proxy.eject_base`"),
  EVENT_LOOPS("GHOST_EVENT_LOOPS", "proxy.event_loops", Type.INT, "0", null,
      "event-loop threads; 0 = one per core", 0, 1024),
  NATIVE_TRANSPORT("GHOST_NATIVE_TRANSPORT", "proxy.native_transport", Type.BOOL, "true", null,
      "use epoll where available; with it, relayed bytes move by `splice(2)` without entering the JVM, without it "
          + "they are copied through the JVM"),
  MAX_CONNECTIONS("GHOST_MAX_CONNECTIONS", "limits.max_connections", Type.INT, "0", null,
      "node-wide cap; 0 = derived from the open-file limit", 0, Integer.MAX_VALUE),
  MAX_CONNECTIONS_PER_IP("GHOST_MAX_CONNECTIONS_PER_IP", "limits.max_connections_per_ip", Type.INT, "0", null,
      "per client IP; 0 = unlimited", 0, Integer.MAX_VALUE),
  MAX_CONNECTIONS_PER_ROUTE("GHOST_MAX_CONNECTIONS_PER_ROUTE", "limits.max_connections_per_route", Type.INT, "0",
      null, "per route unless the route sets `max_connections`; 0 = unlimited", 0, Integer.MAX_VALUE),
  TCP_RAW_DENY_PORTS("GHOST_TCP_RAW_DENY_PORTS", "limits.tcp_raw_deny_ports", Type.PORT_SET, "23,25,137-139", null,
      "ports tcp_raw routes may not use"),
  TCP_RAW_ALLOW_PORTS("GHOST_TCP_RAW_ALLOW_PORTS", "limits.tcp_raw_allow_ports", Type.PORT_SET, "", "empty",
      "if set, the only ports tcp_raw routes may use"),
  HEALTH_INTERVAL("GHOST_HEALTH_CHECK_INTERVAL", "health.interval", Type.DURATION, "5s", null,
      "active health check period"),
  HEALTH_TIMEOUT("GHOST_HEALTH_CHECK_TIMEOUT", "health.timeout", Type.DURATION, "1s", null,
      "active health check connect timeout"),
  HEALTH_RISE("GHOST_HEALTH_CHECK_RISE", "health.rise", Type.INT, "2", null,
      "successes before a backend is healthy", 1, 100),
  HEALTH_FALL("GHOST_HEALTH_CHECK_FALL", "health.fall", Type.INT, "3", null,
      "failures before a backend is unhealthy", 1, 100),
  HEALTH_ENABLED("GHOST_HEALTH_CHECK_ENABLED", "health.enabled", Type.BOOL, "true", null,
      "active TCP health checks; false: no probing, eligibility ignores probes"),
  CONTROL_PLANE_URL("GHOST_CONTROL_PLANE_URL", "control_plane.url", Type.URL, null, "none (no sync)",
      "control-plane base URL"),
  API_TOKEN("GHOST_API_TOKEN", "control_plane.token", Type.STRING, null, "none",
      "control-plane bearer token"),
  ORG_ID("GHOST_ORG_ID", "control_plane.org_id", Type.STRING, null, "none",
      "organisation whose routes this node serves"),
  SYNC_POLL_INTERVAL("GHOST_SYNC_POLL_INTERVAL", "control_plane.poll_interval", Type.DURATION, "1s", null,
      "control-plane poll period; while the stream runs, the gap-healing poll runs every max(this, 5s)"),
  SYNC_STREAM("GHOST_SYNC_STREAM", "control_plane.stream", Type.BOOL, "true", null,
      "prefer the NDJSON event stream; false: poll only"),
  BACKEND_SYNC_INTERVAL("GHOST_BACKEND_SYNC_INTERVAL", "control_plane.backend_sync_interval", Type.DURATION, "5s",
      null, "period of the refresh of every route's instances, asked in slices of at most 10 groups, one every "
          + "max(500ms, this / 10): past 100 groups a round takes longer"),
  SYNC_REBUILD_INTERVAL("GHOST_SYNC_REBUILD_INTERVAL", "control_plane.rebuild_interval", Type.DURATION_OR_ZERO,
      "1h", null, "period of the full rebuild (replay from 0, swapped only if different); 0 = never"),
  SYNC_REQUEST_TIMEOUT("GHOST_SYNC_REQUEST_TIMEOUT", "control_plane.request_timeout", Type.DURATION, "5s", null,
      "timeout of one control-plane request (for the stream: until its response starts)"),
  SYNC_MAX_IN_FLIGHT("GHOST_SYNC_MAX_IN_FLIGHT", "control_plane.max_in_flight", Type.INT, "8", null,
      "instance-list requests in flight at once (one per app, env and process type)", 1, 64),
  SYNC_MAX_ROUTES("GHOST_SYNC_MAX_ROUTES", "control_plane.max_routes", Type.INT, "200000", null,
      "most routes the control plane may define; a change beyond it is refused (`too_many_routes`) and the table "
          + "in force stays", 1, Integer.MAX_VALUE),
  STATE_FILE("GHOST_STATE_FILE", "state.file", Type.STRING, "/var/lib/ghost/ingress-state.json", null,
      "last-known-good state; unwritable: warning + metric, not fatal"),
  CLUSTER_MEMBERS("GHOST_CLUSTER_MEMBERS", "cluster.members", Type.STRING_LIST, "", "none",
      "Hazelcast members (`host[:port]`); non-empty means clustered, empty standalone"),
  CLUSTER_HOST("GHOST_CLUSTER_HOST", "cluster.host", Type.STRING, null, "the member entry that is a local address",
      "this member's address"),
  CLUSTER_PORT("GHOST_CLUSTER_PORT", "cluster.port", Type.INT, "5701", null,
      "Hazelcast port (no auto-increment when set)", 0, 65535),
  CLUSTER_NAME("GHOST_CLUSTER_NAME", "cluster.name", Type.STRING, "ghost-ingress", null,
      "Hazelcast cluster name"),
  EVENTBUS_PORT("GHOST_EVENTBUS_PORT", "cluster.eventbus_port", Type.INT, "0", null,
      "clustered event-bus port; 0 = ephemeral", 0, 65535),
  CLUSTER_SECRET_FILE("GHOST_CLUSTER_SECRET_FILE", "cluster.secret_file", Type.STRING, null, "none",
      "file holding the fleet's shared secret (32 to 4096 bytes, e.g. `openssl rand -hex 32`); required when "
          + "clustered unless `cluster.insecure`: it keys the event bus's mutual TLS and the HMAC on every cluster "
          + "map entry and admin command"),
  CLUSTER_INSECURE("GHOST_CLUSTER_INSECURE", "cluster.insecure", Type.BOOL, "false", null,
      "local development only: cluster without a secret (no TLS, no HMAC: anyone who reaches the cluster ports can "
          + "drain, reload, reroute and lead); warned about at start"),
  NODE_ID("GHOST_NODE_ID", "node.id", Type.STRING, null, "the host name (`$HOSTNAME`, else the local host name)",
      "this node's id; free-form, echoed verbatim"),
  CONFIG_SCAN_PERIOD("GHOST_CONFIG_SCAN_PERIOD", "config.scan_period", Type.DURATION_OR_ZERO, "2s", null,
      "how often the config file is re-read; a change applies after two identical reads; 0 = no scanning");

  /** Value types, each with its wording in the settings table. */
  public enum Type {
    STRING("string"),
    URL("http(s) URL"),
    INT("integer"),
    BOOL("true\\|false"),
    DURATION("duration"),
    DURATION_OR_ZERO("duration, 0 = none"),
    LOG_LEVEL("trace\\|debug\\|info\\|warn\\|error"),
    HOST_PORT("host:port"),
    HOST_PORT_LIST("list of host:port"),
    STRING_LIST("list of strings"),
    PORT_MAP("list of route_port=bind_port"),
    PORT_SET("list of ports and ranges (`23,137-139`)");

    private final String doc;

    Type(String doc) {
      this.doc = doc;
    }

    /** The type as the settings table shows it (Markdown, pipes escaped). */
    public String doc() {
      return doc;
    }
  }

  private final String envVar;
  private final String key;
  private final Type type;
  private final String defaultValue;
  private final String defaultDoc;
  private final String meaning;
  private final long min;
  private final long max;

  Settings(String envVar, String key, Type type, String defaultValue, String defaultDoc, String meaning) {
    this(envVar, key, type, defaultValue, defaultDoc, meaning, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  Settings(String envVar, String key, Type type, String defaultValue, String defaultDoc, String meaning,
      long min, long max) {
    this.envVar = envVar;
    this.key = key;
    this.type = type;
    this.defaultValue = defaultValue;
    this.defaultDoc = defaultDoc;
    this.meaning = meaning;
    this.min = min;
    this.max = max;
  }

  /** The environment variable, e.g. {@code GHOST_SNIFF_TIMEOUT}. */
  public String envVar() {
    return envVar;
  }

  /** The dotted TOML key, e.g. {@code proxy.sniff_timeout}. */
  public String key() {
    return key;
  }

  /** The TOML table, e.g. {@code proxy}. */
  public String table() {
    return key.substring(0, key.indexOf('.'));
  }

  /** The key inside its table, e.g. {@code sniff_timeout}. */
  public String shortKey() {
    return key.substring(key.indexOf('.') + 1);
  }

  public Type type() {
    return type;
  }

  /** The default in environment syntax ({@code ""} = empty list), or null for none or computed. */
  public String defaultValue() {
    return defaultValue;
  }

  /** What the settings table shows as the default. */
  public String defaultDoc() {
    if (defaultDoc != null) {
      return defaultDoc;
    }
    return "`" + defaultValue + "`";
  }

  /** Smallest legal value of an {@link Type#INT} setting. */
  public long min() {
    return min;
  }

  /** Largest legal value of an {@link Type#INT} setting. */
  public long max() {
    return max;
  }

  /** The type column: the type, with its range for integers. */
  public String typeDoc() {
    if (type == Type.INT && (min != Long.MIN_VALUE || max != Long.MAX_VALUE)) {
      return max == Integer.MAX_VALUE ? "integer ≥ " + min : "integer " + min + "-" + max;
    }
    return type.doc();
  }

  /** When a changed value takes effect. */
  public enum Applied {
    /** At once, on a config reload (new connections, the next probe, the next scan). */
    LIVE,
    /** At the next start: a reload reports the change and keeps the value in force. */
    RESTART
  }

  /**
   * When a change of this setting takes effect. Restart-only: the admin API, the whole control-plane, state and
   * cluster tables, the node id, and the proxy settings fixed when the event loops, sockets and passive-health
   * state are built. An exhaustive switch: a new setting without a class does not compile.
   */
  public Applied applied() {
    return switch (this) {
      case LISTEN_IPV6, LISTEN_IPV4, PORT_MAP, LOG_LEVEL, ACCESS_LOG, SNIFF_TIMEOUT, MAX_SNIFF_BYTES, CONNECT_TIMEOUT,
          CONNECT_ATTEMPTS, IDLE_TIMEOUT, DRAIN_TIMEOUT, SHUTDOWN_TIMEOUT, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP,
          MAX_CONNECTIONS_PER_ROUTE, TCP_RAW_DENY_PORTS, TCP_RAW_ALLOW_PORTS, HEALTH_INTERVAL, HEALTH_TIMEOUT,
          HEALTH_RISE, HEALTH_FALL, HEALTH_ENABLED, CONFIG_SCAN_PERIOD -> Applied.LIVE;
      case ADMIN_ADDR, ADMIN_TOKEN, ADMIN_ALLOWED_HOSTS, TCP_KEEPALIVE, EJECT_BASE, EJECT_MAX, EVENT_LOOPS,
          NATIVE_TRANSPORT, CONTROL_PLANE_URL, API_TOKEN, ORG_ID, SYNC_POLL_INTERVAL, SYNC_STREAM,
          BACKEND_SYNC_INTERVAL, SYNC_REBUILD_INTERVAL, SYNC_REQUEST_TIMEOUT, SYNC_MAX_IN_FLIGHT, SYNC_MAX_ROUTES,
          STATE_FILE,
          CLUSTER_MEMBERS, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_NAME, EVENTBUS_PORT, CLUSTER_SECRET_FILE,
          CLUSTER_INSECURE, NODE_ID -> Applied.RESTART;
    };
  }

  /**
   * This setting's value in {@code c}: the one accessor reloads compare and tests check every reader against. An
   * exhaustive switch: a new setting without an accessor does not compile.
   */
  public Object valueIn(IngressConfig c) {
    return switch (this) {
      case LISTEN_IPV6 -> c.listen().ipv6();
      case LISTEN_IPV4 -> c.listen().ipv4();
      case PORT_MAP -> c.listen().portMap();
      case ADMIN_ADDR -> c.admin().listen();
      case ADMIN_TOKEN -> c.admin().token();
      case ADMIN_ALLOWED_HOSTS -> c.admin().allowedHosts();
      case LOG_LEVEL -> c.log().level();
      case ACCESS_LOG -> c.log().accessLog();
      case SNIFF_TIMEOUT -> c.proxy().sniffTimeout();
      case MAX_SNIFF_BYTES -> c.proxy().maxSniffBytes();
      case CONNECT_TIMEOUT -> c.proxy().connectTimeout();
      case CONNECT_ATTEMPTS -> c.proxy().connectAttempts();
      case IDLE_TIMEOUT -> c.proxy().idleTimeout();
      case DRAIN_TIMEOUT -> c.proxy().drainTimeout();
      case SHUTDOWN_TIMEOUT -> c.proxy().shutdownTimeout();
      case TCP_KEEPALIVE -> c.proxy().tcpKeepAlive();
      case EJECT_BASE -> c.proxy().ejectBase();
      case EJECT_MAX -> c.proxy().ejectMax();
      case EVENT_LOOPS -> c.proxy().eventLoops();
      case NATIVE_TRANSPORT -> c.proxy().nativeTransport();
      case MAX_CONNECTIONS -> c.limits().maxConnections();
      case MAX_CONNECTIONS_PER_IP -> c.limits().maxConnectionsPerIp();
      case MAX_CONNECTIONS_PER_ROUTE -> c.limits().maxConnectionsPerRoute();
      case TCP_RAW_DENY_PORTS -> c.limits().tcpRawDenyPorts();
      case TCP_RAW_ALLOW_PORTS -> c.limits().tcpRawAllowPorts();
      case HEALTH_INTERVAL -> c.health().interval();
      case HEALTH_TIMEOUT -> c.health().timeout();
      case HEALTH_RISE -> c.health().rise();
      case HEALTH_FALL -> c.health().fall();
      case HEALTH_ENABLED -> c.health().enabled();
      case CONTROL_PLANE_URL -> c.controlPlane().url();
      case API_TOKEN -> c.controlPlane().token();
      case ORG_ID -> c.controlPlane().orgId();
      case SYNC_POLL_INTERVAL -> c.controlPlane().pollInterval();
      case SYNC_STREAM -> c.controlPlane().stream();
      case BACKEND_SYNC_INTERVAL -> c.controlPlane().backendSyncInterval();
      case SYNC_REBUILD_INTERVAL -> c.controlPlane().rebuildInterval();
      case SYNC_REQUEST_TIMEOUT -> c.controlPlane().requestTimeout();
      case SYNC_MAX_IN_FLIGHT -> c.controlPlane().maxInFlight();
      case SYNC_MAX_ROUTES -> c.controlPlane().maxRoutes();
      case STATE_FILE -> c.state().file();
      case CLUSTER_MEMBERS -> c.cluster().members();
      case CLUSTER_HOST -> c.cluster().host();
      case CLUSTER_PORT -> c.cluster().port();
      case CLUSTER_NAME -> c.cluster().name();
      case EVENTBUS_PORT -> c.cluster().eventBusPort();
      case CLUSTER_SECRET_FILE -> c.cluster().secretFile();
      case CLUSTER_INSECURE -> c.cluster().insecure();
      case NODE_ID -> c.nodeId();
      case CONFIG_SCAN_PERIOD -> c.reload().scanPeriod();
    };
  }

  /** The settings table of {@code docs/configuration.md} (GitHub Markdown), one row per setting in this order. */
  public static String markdownTable() {
    StringBuilder sb = new StringBuilder();
    sb.append("| env var | TOML key | type | default | on reload | meaning |\n");
    sb.append("|---|---|---|---|---|---|\n");
    for (Settings s : values()) {
      sb.append("| `").append(s.envVar).append("` | `").append(s.key).append("` | ").append(s.typeDoc())
          .append(" | ").append(s.defaultDoc()).append(" | ").append(s.applied() == Applied.LIVE ? "live" : "restart")
          .append(" | ").append(s.meaning).append(" |\n");
    }
    return sb.toString();
  }

  /** The TOML tables the settings live in, e.g. {@code listen}, {@code proxy}. */
  public static Set<String> tables() {
    Set<String> tables = new TreeSet<>();
    for (Settings s : values()) {
      tables.add(s.table());
    }
    return tables;
  }

  /**
   * {@code GHOST_*} variables in {@code env} that name no setting: likely typos. The loader ignores them (other
   * tools may share the prefix); the caller may log them as a warning.
   */
  public static Set<String> unknownEnvVars(Map<String, String> env) {
    Set<String> known = new TreeSet<>();
    for (Settings s : values()) {
      known.add(s.envVar);
    }
    Set<String> unknown = new TreeSet<>();
    for (String name : env.keySet()) {
      if (name.startsWith("GHOST_") && !known.contains(name)) {
        unknown.add(name);
      }
    }
    return unknown;
  }
}
