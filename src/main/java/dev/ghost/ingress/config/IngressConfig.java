package dev.ghost.ingress.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated configuration of one node: what {@code ConfigLoader} produces from the config file and the
 * environment. Immutable; a reload produces a new instance. Every field maps to one row of the settings table in
 * docs/configuration.md.
 *
 * @param listen      where to accept client connections
 * @param admin       the admin HTTP API
 * @param log         log level and access log switch
 * @param proxy       data path timeouts and sizes
 * @param limits      connection limits and tcp_raw port policy
 * @param health      active TCP health checking
 * @param controlPlane control-plane sync; {@code url == null} disables sync
 * @param state       last-known-good state file
 * @param cluster     clustering; an empty member list means standalone
 * @param nodeId      this node's free-form id (default: the host name)
 * @param envs        static environments ({@code [[env]]})
 * @param routes      static routes ({@code [[route]]}), in file order
 * @param reload      re-reading the config file at runtime
 */
public record IngressConfig(
    Listen listen,
    Admin admin,
    Log log,
    Proxy proxy,
    Limits limits,
    Health health,
    ControlPlane controlPlane,
    State state,
    Cluster cluster,
    String nodeId,
    List<EnvSpec> envs,
    List<RouteSpec> routes,
    Reload reload) {

  /**
   * This configuration with every {@link Settings.Applied#RESTART restart-only} value taken from {@code inForce}:
   * what a reload puts in force. {@code ConfigDiffTest} checks it for every setting against {@link Settings#applied}.
   */
  public IngressConfig keepingRestartOnly(IngressConfig inForce) {
    return new IngressConfig(listen, inForce.admin, log, proxy.keepingRestartOnly(inForce.proxy), limits, health,
        inForce.controlPlane, inForce.state, inForce.cluster, inForce.nodeId, envs, routes, reload);
  }

  /**
   * Listener addresses.
   *
   * @param ipv6    {@code GHOST_LISTEN_ADDR_IPV6} / {@code listen.ipv6}: shared listeners [{@code [::]:443}]
   * @param ipv4    {@code GHOST_LISTEN_ADDR_IPV4} / {@code listen.ipv4}: where IPv4 is accepted [none]
   * @param portMap {@code GHOST_PORT_MAP} / {@code listen.port_map}: route port to bind port [identity]
   */
  public record Listen(List<HostPort> ipv6, List<HostPort> ipv4, Map<Integer, Integer> portMap) {
    /** The port a route port is bound at. */
    public int bindPort(int routePort) {
      return portMap.getOrDefault(routePort, routePort);
    }
  }

  /**
   * Admin API.
   *
   * @param listen       {@code GHOST_ADMIN_ADDR} / {@code admin.listen} [{@code 127.0.0.1:9901}]
   * @param token        {@code GHOST_ADMIN_TOKEN} / {@code admin.token}; null: mutating calls only from loopback
   * @param allowedHosts {@code GHOST_ADMIN_ALLOWED_HOSTS} / {@code admin.allowed_hosts} [none]: host names (lower
   *                     case, no trailing dot) accepted in a {@code Host} header besides IP literals,
   *                     {@code localhost} and the {@code listen} host
   */
  public record Admin(HostPort listen, String token, List<String> allowedHosts) {
    /** Copies the list. */
    public Admin {
      allowedHosts = List.copyOf(allowedHosts);
    }

    @Override
    public String toString() {
      return "Admin[listen=" + listen + ", token=" + (token == null ? "none" : "***") + ", allowedHosts="
          + allowedHosts + "]";
    }
  }

  /**
   * Logging.
   *
   * @param level     {@code GHOST_LOG_LEVEL} / {@code log.level}: trace|debug|info|warn|error [info]
   * @param accessLog {@code GHOST_ACCESS_LOG} / {@code log.access}: one JSON line per closed connection [true]
   */
  public record Log(String level, boolean accessLog) {
    /** The log level names the config, the environment and the admin API accept (lower case). */
    public static final java.util.Set<String> LEVELS = java.util.Set.of("trace", "debug", "info", "warn", "error");
  }

  /**
   * Data path.
   *
   * @param sniffTimeout      {@code GHOST_SNIFF_TIMEOUT} / {@code proxy.sniff_timeout} [200ms]
   * @param maxSniffBytes     {@code GHOST_MAX_SNIFF_BYTES} / {@code proxy.max_sniff_bytes} [8192, 512-65536]
   * @param connectTimeout    {@code GHOST_CONNECT_TIMEOUT} / {@code proxy.connect_timeout} [2s]
   * @param connectAttempts   {@code GHOST_CONNECT_ATTEMPTS} / {@code proxy.connect_attempts} [3, 1-10]
   * @param idleTimeout       {@code GHOST_IDLE_TIMEOUT} / {@code proxy.idle_timeout}: default for tls_passthrough
   *                          routes; {@code 0} none [0]
   * @param drainTimeout      {@code GHOST_DRAIN_TIMEOUT} / {@code proxy.drain_timeout}; {@code 0} none [30s]
   * @param shutdownTimeout   {@code GHOST_SHUTDOWN_TIMEOUT} / {@code proxy.shutdown_timeout}; never 0 [60s]
   * @param tcpKeepAlive      {@code GHOST_TCP_KEEPALIVE} / {@code proxy.tcp_keepalive} [true]
   * @param ejectBase         {@code GHOST_EJECT_BASE} / {@code proxy.eject_base}: first passive ejection [1s]
   * @param ejectMax          {@code GHOST_EJECT_MAX} / {@code proxy.eject_max}: longest passive ejection [300s]
   * @param eventLoops        {@code GHOST_EVENT_LOOPS} / {@code proxy.event_loops}; 0 = one per core [0]
   * @param nativeTransport   {@code GHOST_NATIVE_TRANSPORT} / {@code proxy.native_transport} [true]: with it,
   *                          bytes are relayed by {@code splice(2)}; without, through the JVM
   */
  public record Proxy(
      Duration sniffTimeout,
      int maxSniffBytes,
      Duration connectTimeout,
      int connectAttempts,
      Duration idleTimeout,
      Duration drainTimeout,
      Duration shutdownTimeout,
      boolean tcpKeepAlive,
      Duration ejectBase,
      Duration ejectMax,
      int eventLoops,
      boolean nativeTransport) {

    /**
     * This section with the values fixed when the event loops, sockets and passive-health state are built taken
     * from {@code inForce}: keep-alive, ejection, event loops and transport ({@link Settings#applied}).
     */
    Proxy keepingRestartOnly(Proxy inForce) {
      return new Proxy(sniffTimeout, maxSniffBytes, connectTimeout, connectAttempts, idleTimeout, drainTimeout,
          shutdownTimeout, inForce.tcpKeepAlive, inForce.ejectBase, inForce.ejectMax, inForce.eventLoops,
          inForce.nativeTransport);
    }
  }

  /**
   * Connection limits and the tcp_raw port policy.
   *
   * @param maxConnections        {@code GHOST_MAX_CONNECTIONS} / {@code limits.max_connections}; 0 = derived from
   *                              the open-file limit [0]
   * @param maxConnectionsPerIp   {@code GHOST_MAX_CONNECTIONS_PER_IP} / {@code limits.max_connections_per_ip};
   *                              0 = unlimited [0]
   * @param maxConnectionsPerRoute {@code GHOST_MAX_CONNECTIONS_PER_ROUTE} / {@code limits.max_connections_per_route};
   *                              0 = unlimited; a route's {@code max_connections} overrides it [0]
   * @param tcpRawDenyPorts       {@code GHOST_TCP_RAW_DENY_PORTS} / {@code limits.tcp_raw_deny_ports}
   *                              [{@code 23,25,137-139}]
   * @param tcpRawAllowPorts      {@code GHOST_TCP_RAW_ALLOW_PORTS} / {@code limits.tcp_raw_allow_ports};
   *                              empty = every port not denied [empty]
   */
  public record Limits(
      int maxConnections,
      int maxConnectionsPerIp,
      int maxConnectionsPerRoute,
      Set<Integer> tcpRawDenyPorts,
      Set<Integer> tcpRawAllowPorts) {}

  /**
   * Active health checks.
   *
   * @param interval {@code GHOST_HEALTH_CHECK_INTERVAL} / {@code health.interval} [5s]
   * @param timeout  {@code GHOST_HEALTH_CHECK_TIMEOUT} / {@code health.timeout} [1s]
   * @param rise     {@code GHOST_HEALTH_CHECK_RISE} / {@code health.rise} [2]
   * @param fall     {@code GHOST_HEALTH_CHECK_FALL} / {@code health.fall} [3]
   * @param enabled  {@code GHOST_HEALTH_CHECK_ENABLED} / {@code health.enabled} [true]; false: no probing, and
   *                 eligibility ignores probe verdicts
   */
  public record Health(Duration interval, Duration timeout, int rise, int fall, boolean enabled) {}

  /**
   * Control-plane sync.
   *
   * @param url          {@code GHOST_CONTROL_PLANE_URL} / {@code control_plane.url}; null = no sync
   * @param token        {@code GHOST_API_TOKEN} / {@code control_plane.token}
   * @param orgId        {@code GHOST_ORG_ID} / {@code control_plane.org_id}
   * @param pollInterval {@code GHOST_SYNC_POLL_INTERVAL} / {@code control_plane.poll_interval} [1s]
   * @param stream       {@code GHOST_SYNC_STREAM} / {@code control_plane.stream}: prefer the NDJSON stream [true]
   * @param backendSyncInterval {@code GHOST_BACKEND_SYNC_INTERVAL} / {@code control_plane.backend_sync_interval}
   *                     [5s]
   * @param rebuildInterval {@code GHOST_SYNC_REBUILD_INTERVAL} / {@code control_plane.rebuild_interval}; 0 never
   *                     [1h]
   * @param requestTimeout {@code GHOST_SYNC_REQUEST_TIMEOUT} / {@code control_plane.request_timeout} [5s]
   * @param maxInFlight  {@code GHOST_SYNC_MAX_IN_FLIGHT} / {@code control_plane.max_in_flight}: instance-list
   *                     requests in flight at once, one per (app, env, process type) group [8]
   * @param maxRoutes    {@code GHOST_SYNC_MAX_ROUTES} / {@code control_plane.max_routes}: the most routes the
   *                     control plane may define; events that would make more are refused and the table in force
   *                     stays [200000]
   */
  public record ControlPlane(String url, String token, String orgId, Duration pollInterval, boolean stream,
      Duration backendSyncInterval, Duration rebuildInterval, Duration requestTimeout, int maxInFlight,
      int maxRoutes) {

    /** True when a control-plane URL is configured. */
    public boolean enabled() {
      return url != null;
    }

    @Override
    public String toString() {
      return "ControlPlane[url=" + url + ", token=" + (token == null ? "none" : "***") + ", orgId=" + orgId
          + ", pollInterval=" + pollInterval + ", stream=" + stream + "]";
    }
  }

  /**
   * Last-known-good state.
   *
   * @param file {@code GHOST_STATE_FILE} / {@code state.file} [{@code /var/lib/ghost/ingress-state.json}]
   */
  public record State(String file) {}

  /**
   * Clustering.
   *
   * @param members      {@code GHOST_CLUSTER_MEMBERS} / {@code cluster.members}; empty = standalone
   * @param host         {@code GHOST_CLUSTER_HOST} / {@code cluster.host}; null = the member that is local
   * @param port         {@code GHOST_CLUSTER_PORT} / {@code cluster.port} [5701]
   * @param name         {@code GHOST_CLUSTER_NAME} / {@code cluster.name} [ghost-ingress]
   * @param eventBusPort {@code GHOST_EVENTBUS_PORT} / {@code cluster.eventbus_port} [0]
   * @param secretFile   {@code GHOST_CLUSTER_SECRET_FILE} / {@code cluster.secret_file}: the fleet's shared secret,
   *                     read at start; null = none (then a clustered node refuses to start unless {@code insecure})
   * @param insecure     {@code GHOST_CLUSTER_INSECURE} / {@code cluster.insecure}: cluster without a secret, for a
   *                     local development fleet only [false]
   */
  public record Cluster(List<String> members, String host, int port, String name, int eventBusPort,
      String secretFile, boolean insecure) {

    /** A cluster section without a secret and not insecure (tests, and the standalone default). */
    public Cluster(List<String> members, String host, int port, String name, int eventBusPort) {
      this(members, host, port, name, eventBusPort, null, false);
    }
  }

  /**
   * Config hot reload.
   *
   * @param scanPeriod {@code GHOST_CONFIG_SCAN_PERIOD} / {@code config.scan_period}: how often the file is re-read;
   *                   {@code 0} = never (the admin reload still works) [2s]
   */
  public record Reload(Duration scanPeriod) {}
}
