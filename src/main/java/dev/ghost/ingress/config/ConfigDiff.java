package dev.ghost.ingress.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a re-read configuration changes against the one in force (pure). Settings split in two: those applied at
 * runtime (listeners, log, proxy timeouts, limits, health, reload, static envs and routes) and those that need a
 * restart (node id, admin API, the whole {@code control_plane}, {@code state} and {@code cluster} tables, and the
 * proxy settings fixed when the event loops, sockets and passive-health state are built). A restart-only change is
 * reported and not applied: {@link #effective()} keeps the value in force for it.
 *
 * @param effective   the configuration to put in force: {@code next}, with every restart-only value kept
 * @param changed     keys applied by this reload (dotted TOML keys, or {@code env} / {@code route} for the static
 *                    tables, or a section name when a field changed that has no key here), in settings order
 * @param restartOnly restart-only keys whose new value is ignored until the node restarts
 */
public record ConfigDiff(IngressConfig effective, List<String> changed, List<String> restartOnly) {

  /** Sections whose record is kept whole from the configuration in force. */
  private static final List<Section> RESTART_SECTIONS = List.of(
      new Section("admin", IngressConfig::admin),
      new Section("control_plane", IngressConfig::controlPlane),
      new Section("state", IngressConfig::state),
      new Section("cluster", IngressConfig::cluster),
      new Section("node", IngressConfig::nodeId));

  /** Sections applied at runtime. */
  private static final List<Section> LIVE_SECTIONS = List.of(
      new Section("listen", IngressConfig::listen),
      new Section("log", IngressConfig::log),
      new Section("proxy", IngressConfig::proxy),
      new Section("limits", IngressConfig::limits),
      new Section("health", IngressConfig::health),
      new Section("config", IngressConfig::reload),
      new Section("env", IngressConfig::envs),
      new Section("route", IngressConfig::routes));

  /** Proxy settings fixed at start-up: event loops, transport, socket options, the passive-health policy. */
  private static final List<Settings> RESTART_PROXY_KEYS = List.of(Settings.TCP_KEEPALIVE, Settings.EJECT_BASE,
      Settings.EJECT_MAX, Settings.EVENT_LOOPS, Settings.NATIVE_TRANSPORT);

  private record Section(String name, Function<IngressConfig, Object> value) {}

  /** Each setting's value in a config, to name changed keys; a setting missing here is reported by section. */
  private static final Map<Settings, Function<IngressConfig, Object>> VALUES = values();

  public ConfigDiff {
    changed = List.copyOf(changed);
    restartOnly = List.copyOf(restartOnly);
  }

  /** True when the reload changes something in force. */
  public boolean applies() {
    return !changed.isEmpty();
  }

  /** Compares {@code next} (freshly read and validated) with {@code current} (in force). */
  public static ConfigDiff of(IngressConfig current, IngressConfig next) {
    IngressConfig.Proxy p = next.proxy();
    IngressConfig.Proxy old = current.proxy();
    IngressConfig effective = new IngressConfig(next.listen(), current.admin(), next.log(),
        new IngressConfig.Proxy(p.sniffTimeout(), p.maxSniffBytes(), p.connectTimeout(), p.connectAttempts(),
            p.idleTimeout(), p.drainTimeout(), p.shutdownTimeout(), old.tcpKeepAlive(), old.ejectBase(),
            old.ejectMax(), old.eventLoops(), old.nativeTransport()),
        next.limits(), next.health(), current.controlPlane(), current.state(), current.cluster(), current.nodeId(),
        next.envs(), next.routes(), next.reload());
    List<String> restartOnly = new ArrayList<>();
    for (Section s : RESTART_SECTIONS) {
      keys(s, current, next, restartOnly);
    }
    for (Settings k : RESTART_PROXY_KEYS) {
      if (!Objects.equals(VALUES.get(k).apply(current), VALUES.get(k).apply(next))) {
        restartOnly.add(k.key());
      }
    }
    List<String> changed = new ArrayList<>();
    for (Section s : LIVE_SECTIONS) {
      keys(s, current, effective, changed);
    }
    return new ConfigDiff(effective, changed, restartOnly);
  }

  /** Adds the keys of section {@code s} that differ between {@code a} and {@code b}; the section name if none. */
  private static void keys(Section s, IngressConfig a, IngressConfig b, List<String> out) {
    if (Objects.equals(s.value().apply(a), s.value().apply(b))) {
      return;
    }
    if (s.name().equals("env") || s.name().equals("route")) {
      out.add(s.name());
      return;
    }
    int before = out.size();
    for (Map.Entry<Settings, Function<IngressConfig, Object>> e : VALUES.entrySet()) {
      if (e.getKey().table().equals(s.name())
          && !Objects.equals(e.getValue().apply(a), e.getValue().apply(b))) {
        out.add(e.getKey().key());
      }
    }
    if (out.size() == before) {
      out.add(s.name());
    }
  }

  private static Map<Settings, Function<IngressConfig, Object>> values() {
    Map<Settings, Function<IngressConfig, Object>> m = new LinkedHashMap<>();
    m.put(Settings.LISTEN_IPV6, c -> c.listen().ipv6());
    m.put(Settings.LISTEN_IPV4, c -> c.listen().ipv4());
    m.put(Settings.PORT_MAP, c -> c.listen().portMap());
    m.put(Settings.ADMIN_ADDR, c -> c.admin().listen());
    m.put(Settings.ADMIN_TOKEN, c -> c.admin().token());
    m.put(Settings.ADMIN_ALLOWED_HOSTS, c -> c.admin().allowedHosts());
    m.put(Settings.LOG_LEVEL, c -> c.log().level());
    m.put(Settings.ACCESS_LOG, c -> c.log().accessLog());
    m.put(Settings.SNIFF_TIMEOUT, c -> c.proxy().sniffTimeout());
    m.put(Settings.MAX_SNIFF_BYTES, c -> c.proxy().maxSniffBytes());
    m.put(Settings.CONNECT_TIMEOUT, c -> c.proxy().connectTimeout());
    m.put(Settings.CONNECT_ATTEMPTS, c -> c.proxy().connectAttempts());
    m.put(Settings.IDLE_TIMEOUT, c -> c.proxy().idleTimeout());
    m.put(Settings.DRAIN_TIMEOUT, c -> c.proxy().drainTimeout());
    m.put(Settings.SHUTDOWN_TIMEOUT, c -> c.proxy().shutdownTimeout());
    m.put(Settings.TCP_KEEPALIVE, c -> c.proxy().tcpKeepAlive());
    m.put(Settings.EJECT_BASE, c -> c.proxy().ejectBase());
    m.put(Settings.EJECT_MAX, c -> c.proxy().ejectMax());
    m.put(Settings.EVENT_LOOPS, c -> c.proxy().eventLoops());
    m.put(Settings.NATIVE_TRANSPORT, c -> c.proxy().nativeTransport());
    m.put(Settings.MAX_CONNECTIONS, c -> c.limits().maxConnections());
    m.put(Settings.MAX_CONNECTIONS_PER_IP, c -> c.limits().maxConnectionsPerIp());
    m.put(Settings.MAX_CONNECTIONS_PER_ROUTE, c -> c.limits().maxConnectionsPerRoute());
    m.put(Settings.TCP_RAW_DENY_PORTS, c -> c.limits().tcpRawDenyPorts());
    m.put(Settings.TCP_RAW_ALLOW_PORTS, c -> c.limits().tcpRawAllowPorts());
    m.put(Settings.HEALTH_INTERVAL, c -> c.health().interval());
    m.put(Settings.HEALTH_TIMEOUT, c -> c.health().timeout());
    m.put(Settings.HEALTH_RISE, c -> c.health().rise());
    m.put(Settings.HEALTH_FALL, c -> c.health().fall());
    m.put(Settings.CONTROL_PLANE_URL, c -> c.controlPlane().url());
    m.put(Settings.API_TOKEN, c -> c.controlPlane().token());
    m.put(Settings.ORG_ID, c -> c.controlPlane().orgId());
    m.put(Settings.SYNC_POLL_INTERVAL, c -> c.controlPlane().pollInterval());
    m.put(Settings.SYNC_STREAM, c -> c.controlPlane().stream());
    m.put(Settings.BACKEND_SYNC_INTERVAL, c -> c.controlPlane().backendSyncInterval());
    m.put(Settings.SYNC_REBUILD_INTERVAL, c -> c.controlPlane().rebuildInterval());
    m.put(Settings.SYNC_REQUEST_TIMEOUT, c -> c.controlPlane().requestTimeout());
    m.put(Settings.SYNC_MAX_IN_FLIGHT, c -> c.controlPlane().maxInFlight());
    m.put(Settings.SYNC_MAX_ROUTES, c -> c.controlPlane().maxRoutes());
    m.put(Settings.STATE_FILE, c -> c.state().file());
    m.put(Settings.CLUSTER_MEMBERS, c -> c.cluster().members());
    m.put(Settings.CLUSTER_HOST, c -> c.cluster().host());
    m.put(Settings.CLUSTER_PORT, c -> c.cluster().port());
    m.put(Settings.CLUSTER_NAME, c -> c.cluster().name());
    m.put(Settings.EVENTBUS_PORT, c -> c.cluster().eventBusPort());
    m.put(Settings.NODE_ID, IngressConfig::nodeId);
    m.put(Settings.CONFIG_SCAN_PERIOD, c -> c.reload().scanPeriod());
    return m;
  }
}
