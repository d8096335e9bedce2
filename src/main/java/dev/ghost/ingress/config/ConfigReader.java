package dev.ghost.ingress.config;

import static dev.ghost.ingress.config.Settings.ACCESS_LOG;
import static dev.ghost.ingress.config.Settings.ADMIN_ADDR;
import static dev.ghost.ingress.config.Settings.ADMIN_ALLOWED_HOSTS;
import static dev.ghost.ingress.config.Settings.ADMIN_TOKEN;
import static dev.ghost.ingress.config.Settings.API_TOKEN;
import static dev.ghost.ingress.config.Settings.BACKEND_SYNC_INTERVAL;
import static dev.ghost.ingress.config.Settings.CLUSTER_HOST;
import static dev.ghost.ingress.config.Settings.CLUSTER_INSECURE;
import static dev.ghost.ingress.config.Settings.CLUSTER_MEMBERS;
import static dev.ghost.ingress.config.Settings.CLUSTER_NAME;
import static dev.ghost.ingress.config.Settings.CLUSTER_PORT;
import static dev.ghost.ingress.config.Settings.CLUSTER_SECRET_FILE;
import static dev.ghost.ingress.config.Settings.CONFIG_SCAN_PERIOD;
import static dev.ghost.ingress.config.Settings.CONNECT_ATTEMPTS;
import static dev.ghost.ingress.config.Settings.CONNECT_TIMEOUT;
import static dev.ghost.ingress.config.Settings.CONTROL_PLANE_URL;
import static dev.ghost.ingress.config.Settings.DRAIN_TIMEOUT;
import static dev.ghost.ingress.config.Settings.EJECT_BASE;
import static dev.ghost.ingress.config.Settings.EJECT_MAX;
import static dev.ghost.ingress.config.Settings.EVENTBUS_PORT;
import static dev.ghost.ingress.config.Settings.EVENT_LOOPS;
import static dev.ghost.ingress.config.Settings.HEALTH_ENABLED;
import static dev.ghost.ingress.config.Settings.HEALTH_FALL;
import static dev.ghost.ingress.config.Settings.HEALTH_INTERVAL;
import static dev.ghost.ingress.config.Settings.HEALTH_RISE;
import static dev.ghost.ingress.config.Settings.HEALTH_TIMEOUT;
import static dev.ghost.ingress.config.Settings.IDLE_TIMEOUT;
import static dev.ghost.ingress.config.Settings.LISTEN_IPV4;
import static dev.ghost.ingress.config.Settings.LISTEN_IPV6;
import static dev.ghost.ingress.config.Settings.LOG_LEVEL;
import static dev.ghost.ingress.config.Settings.MAX_CONNECTIONS;
import static dev.ghost.ingress.config.Settings.MAX_CONNECTIONS_PER_IP;
import static dev.ghost.ingress.config.Settings.MAX_CONNECTIONS_PER_ROUTE;
import static dev.ghost.ingress.config.Settings.MAX_SNIFF_BYTES;
import static dev.ghost.ingress.config.Settings.NATIVE_TRANSPORT;
import static dev.ghost.ingress.config.Settings.NODE_ID;
import static dev.ghost.ingress.config.Settings.ORG_ID;
import static dev.ghost.ingress.config.Settings.PORT_MAP;
import static dev.ghost.ingress.config.Settings.SHUTDOWN_TIMEOUT;
import static dev.ghost.ingress.config.Settings.SNIFF_TIMEOUT;
import static dev.ghost.ingress.config.Settings.STATE_FILE;
import static dev.ghost.ingress.config.Settings.SYNC_MAX_IN_FLIGHT;
import static dev.ghost.ingress.config.Settings.SYNC_MAX_ROUTES;
import static dev.ghost.ingress.config.Settings.SYNC_POLL_INTERVAL;
import static dev.ghost.ingress.config.Settings.SYNC_REBUILD_INTERVAL;
import static dev.ghost.ingress.config.Settings.SYNC_REQUEST_TIMEOUT;
import static dev.ghost.ingress.config.Settings.SYNC_STREAM;
import static dev.ghost.ingress.config.Settings.TCP_KEEPALIVE;
import static dev.ghost.ingress.config.Settings.TCP_RAW_ALLOW_PORTS;
import static dev.ghost.ingress.config.Settings.TCP_RAW_DENY_PORTS;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * One validation pass of a parsed config file plus the environment (see {@link ConfigLoader#fromJson}). Not
 * thread-safe, not reused: one instance per load.
 *
 * <p>The file's shape is checked first (unknown keys, wrong table types), then each section is read by its own
 * method, one named local per record component, so every constructor call reads like the record it builds;
 * {@code ConfigDiffTest} sets each setting alone and checks that only its own component changes. Settings come
 * from {@link SettingReader}, the static tables from {@link StaticTablesReader}, and every value travels as a
 * {@link RawValue}, so each error names its source.
 */
final class ConfigReader {

  private final JsonObject config;
  private final Map<String, String> env;
  private final String source;
  private final Supplier<String> hostName;
  private final SettingReader settings;

  ConfigReader(JsonObject config, Map<String, String> env, String source, Supplier<String> hostName) {
    this.config = config;
    this.env = env;
    this.source = source;
    this.hostName = hostName;
    this.settings = new SettingReader(config, env, source);
  }

  IngressConfig read() {
    checkStructure();
    IngressConfig.Listen listen = listen();
    IngressConfig.Admin admin = admin();
    IngressConfig.Log log = log();
    IngressConfig.Proxy proxy = proxy();
    IngressConfig.Limits limits = limits();
    IngressConfig.Health health = health();
    IngressConfig.ControlPlane controlPlane = controlPlane();
    IngressConfig.State state = new IngressConfig.State(settings.string(STATE_FILE));
    IngressConfig.Cluster cluster = cluster();
    StaticTablesReader tables = new StaticTablesReader(config, source);
    List<EnvSpec> envs = tables.envs();
    List<RouteSpec> routes = tables.routes(envs);
    IngressConfig.Reload reload = new IngressConfig.Reload(settings.duration(CONFIG_SCAN_PERIOD));
    String nodeId = nodeId();
    return new IngressConfig(listen, admin, log, proxy, limits, health, controlPlane, state, cluster, nodeId, envs,
        routes, reload);
  }

  // ---- structure: unknown keys and wrong shapes, before any value ----

  private void checkStructure() {
    Set<String> tables = Settings.tables();
    for (String key : config.fieldNames()) {
      Object value = config.getValue(key);
      if (key.equals("env") || key.equals("route")) {
        if (!(value instanceof JsonArray)) {
          throw new ConfigException(source, key, "expected an array of tables ([[" + key + "]]), got "
              + RawValue.describe(value));
        }
      } else if (tables.contains(key)) {
        if (!(value instanceof JsonObject)) {
          throw new ConfigException(source, key, "expected a table ([" + key + "]), got " + RawValue.describe(value));
        }
      } else {
        throw new ConfigException(source, key, "unknown key (known tables: " + String.join(", ", tables)
            + ", env, route)");
      }
    }
    for (String table : tables) {
      JsonObject t = config.getJsonObject(table);
      if (t != null) {
        checkKeysOf(table, t);
      }
    }
  }

  private void checkKeysOf(String table, JsonObject t) {
    Set<String> known = new TreeSet<>();
    for (Settings s : Settings.values()) {
      if (s.table().equals(table)) {
        known.add(s.shortKey());
      }
    }
    for (String key : t.fieldNames()) {
      if (!known.contains(key)) {
        throw new ConfigException(source, table + "." + key, "unknown key (known in [" + table + "]: "
            + String.join(", ", known) + ")");
      }
    }
  }

  // ---- one method per section, in the order of IngressConfig ----

  private IngressConfig.Listen listen() {
    List<HostPort> ipv6 = settings.hostPorts(LISTEN_IPV6);
    List<HostPort> ipv4 = settings.hostPorts(LISTEN_IPV4);
    Map<Integer, Integer> portMap = settings.portMap(PORT_MAP);
    return new IngressConfig.Listen(ipv6, ipv4, portMap);
  }

  private IngressConfig.Admin admin() {
    HostPort listen = settings.hostPort(ADMIN_ADDR);
    String token = settings.string(ADMIN_TOKEN);
    List<String> allowedHosts = settings.hostNames(ADMIN_ALLOWED_HOSTS);
    return new IngressConfig.Admin(listen, token, allowedHosts);
  }

  private IngressConfig.Log log() {
    String level = settings.logLevel(LOG_LEVEL);
    boolean accessLog = settings.bool(ACCESS_LOG);
    return new IngressConfig.Log(level, accessLog);
  }

  private IngressConfig.Proxy proxy() {
    Duration sniffTimeout = settings.duration(SNIFF_TIMEOUT);
    int maxSniffBytes = settings.integer(MAX_SNIFF_BYTES);
    Duration connectTimeout = settings.duration(CONNECT_TIMEOUT);
    int connectAttempts = settings.integer(CONNECT_ATTEMPTS);
    Duration idleTimeout = settings.duration(IDLE_TIMEOUT);
    Duration drainTimeout = settings.duration(DRAIN_TIMEOUT);
    Duration shutdownTimeout = settings.duration(SHUTDOWN_TIMEOUT);
    boolean tcpKeepAlive = settings.bool(TCP_KEEPALIVE);
    Duration ejectBase = settings.duration(EJECT_BASE);
    Duration ejectMax = settings.duration(EJECT_MAX);
    int eventLoops = settings.integer(EVENT_LOOPS);
    boolean nativeTransport = settings.bool(NATIVE_TRANSPORT);
    if (ejectMax.compareTo(ejectBase) < 0) {
      throw settings.raw(EJECT_MAX).fail("must be at least " + EJECT_BASE.key() + " ("
          + Durations.format(ejectBase) + "), got " + Durations.format(ejectMax));
    }
    return new IngressConfig.Proxy(sniffTimeout, maxSniffBytes, connectTimeout, connectAttempts, idleTimeout,
        drainTimeout, shutdownTimeout, tcpKeepAlive, ejectBase, ejectMax, eventLoops, nativeTransport);
  }

  private IngressConfig.Limits limits() {
    int maxConnections = settings.integer(MAX_CONNECTIONS);
    int maxConnectionsPerIp = settings.integer(MAX_CONNECTIONS_PER_IP);
    int maxConnectionsPerRoute = settings.integer(MAX_CONNECTIONS_PER_ROUTE);
    Set<Integer> tcpRawDenyPorts = settings.portSet(TCP_RAW_DENY_PORTS);
    Set<Integer> tcpRawAllowPorts = settings.portSet(TCP_RAW_ALLOW_PORTS);
    return new IngressConfig.Limits(maxConnections, maxConnectionsPerIp, maxConnectionsPerRoute, tcpRawDenyPorts,
        tcpRawAllowPorts);
  }

  private IngressConfig.Health health() {
    Duration interval = settings.duration(HEALTH_INTERVAL);
    Duration timeout = settings.duration(HEALTH_TIMEOUT);
    int rise = settings.integer(HEALTH_RISE);
    int fall = settings.integer(HEALTH_FALL);
    boolean enabled = settings.bool(HEALTH_ENABLED);
    return new IngressConfig.Health(interval, timeout, rise, fall, enabled);
  }

  private IngressConfig.ControlPlane controlPlane() {
    String url = settings.url(CONTROL_PLANE_URL);
    String token = settings.string(API_TOKEN);
    String orgId = settings.string(ORG_ID);
    Duration pollInterval = settings.duration(SYNC_POLL_INTERVAL);
    boolean stream = settings.bool(SYNC_STREAM);
    Duration backendSyncInterval = settings.duration(BACKEND_SYNC_INTERVAL);
    Duration rebuildInterval = settings.duration(SYNC_REBUILD_INTERVAL);
    Duration requestTimeout = settings.duration(SYNC_REQUEST_TIMEOUT);
    int maxInFlight = settings.integer(SYNC_MAX_IN_FLIGHT);
    int maxRoutes = settings.integer(SYNC_MAX_ROUTES);
    return new IngressConfig.ControlPlane(url, token, orgId, pollInterval, stream, backendSyncInterval,
        rebuildInterval, requestTimeout, maxInFlight, maxRoutes);
  }

  private IngressConfig.Cluster cluster() {
    List<String> members = settings.clusterMembers(CLUSTER_MEMBERS);
    String host = settings.string(CLUSTER_HOST);
    int port = settings.integer(CLUSTER_PORT);
    String name = settings.string(CLUSTER_NAME);
    int eventBusPort = settings.integer(EVENTBUS_PORT);
    String secretFile = settings.string(CLUSTER_SECRET_FILE);
    boolean insecure = settings.bool(CLUSTER_INSECURE);
    return new IngressConfig.Cluster(members, host, port, name, eventBusPort, secretFile, insecure);
  }

  /** {@code node.id}, else {@code $HOSTNAME}, else the local host name. */
  private String nodeId() {
    String id = settings.string(NODE_ID);
    if (id != null) {
      return id;
    }
    String fromHost = env.get("HOSTNAME");
    if (fromHost != null && !fromHost.isBlank()) {
      return fromHost.trim();
    }
    return hostName.get();
  }
}
