package dev.ghost.ingress.devcp;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the dev control plane knows: the organisation, the bearer token, environments, routes and instances. It is
 * either read from the state file ({@link DevStateFile}) or rebuilt from the event log ({@link Projection}); the
 * difference between two states is a list of events ({@link StateDiff}). Immutable; maps are sorted by id.
 *
 * @param org the organisation id served ({@code org_...})
 * @param token the bearer token clients must send; may be null in a state rebuilt from the log
 * @param envs environments by id
 * @param routes routes by id
 * @param instances instances by id
 */
public record DevState(String org, String token, Map<String, Env> envs, Map<String, Route> routes,
    Map<String, Instance> instances) {

  /** Route protocol, as written in the file and in legacy payloads. */
  public static final String TLS_PASSTHROUGH = "tls_passthrough";
  /** Route protocol, as written in the file and in legacy payloads. */
  public static final String TCP_RAW = "tcp_raw";
  /** PROXY protocol mode, as written in the file and in legacy payloads. */
  public static final String PROXY_OFF = "off";
  /** PROXY protocol mode, as written in the file and in legacy payloads. */
  public static final String PROXY_V2 = "v2";

  public DevState {
    envs = Collections.unmodifiableMap(new TreeMap<>(envs));
    routes = Collections.unmodifiableMap(new TreeMap<>(routes));
    instances = Collections.unmodifiableMap(new TreeMap<>(instances));
  }

  /** A state with nothing in it. */
  public static DevState empty(String org, String token) {
    return new DevState(org, token, Map.of(), Map.of(), Map.of());
  }

  /**
   * An environment.
   *
   * @param id {@code env_...}
   * @param app the application it belongs to ({@code app_...})
   * @param ipv4 its dedicated IPv4 address, or null when the add-on is off
   */
  public record Env(String id, String app, String ipv4) {
    public Env {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(app, "app");
    }
  }

  /**
   * A route. Hostname, listen port and protocol never change in place: changing them deletes and recreates it.
   *
   * @param id {@code rt_...}
   * @param app application id
   * @param env environment id
   * @param hostname the SNI name ({@code tls_passthrough}); may be empty for {@code tcp_raw}
   * @param listenPort the public port
   * @param protocol {@link #TLS_PASSTHROUGH} or {@link #TCP_RAW}
   * @param processType the backend process type (e.g. {@code web})
   * @param backendPort the port on the instances
   * @param proxyProtocol {@link #PROXY_OFF} or {@link #PROXY_V2}
   * @param ipv4Required whether the route needs the env's dedicated IPv4
   */
  public record Route(String id, String app, String env, String hostname, int listenPort, String protocol,
      String processType, int backendPort, String proxyProtocol, boolean ipv4Required) {
    public Route {
      Objects.requireNonNull(id, "id");
      hostname = hostname == null ? "" : hostname;
    }

    /** The PROXY mode implies it: the backend expects a PROXY header exactly when the mode is v2. */
    public boolean backendExpectsProxyProtocol() {
      return PROXY_V2.equals(proxyProtocol);
    }
  }

  /**
   * An instance (a backend).
   *
   * @param id {@code inst_...}
   * @param app application id
   * @param env environment id
   * @param processType process type
   * @param overlayIpv6 overlay address without prefix length, or null (then the API omits it)
   * @param status booting, ready, draining, stopped or failed
   * @param node node id, or null
   */
  public record Instance(String id, String app, String env, String processType, String overlayIpv6,
      String status, String node) {
    public Instance {
      Objects.requireNonNull(id, "id");
    }

    /** The same instance in another status. */
    public Instance withStatus(String newStatus) {
      return new Instance(id, app, env, processType, overlayIpv6, newStatus, node);
    }
  }

  // ---- copy-with helpers, for DevControlPlane.edit(...) in tests

  /** This state with {@code env} added or replaced. */
  public DevState withEnv(Env env) {
    Map<String, Env> m = new TreeMap<>(envs);
    m.put(env.id(), env);
    return new DevState(org, token, m, routes, instances);
  }

  /** This state without the env {@code id}. */
  public DevState withoutEnv(String id) {
    Map<String, Env> m = new TreeMap<>(envs);
    m.remove(id);
    return new DevState(org, token, m, routes, instances);
  }

  /** This state with {@code route} added or replaced. */
  public DevState withRoute(Route route) {
    Map<String, Route> m = new TreeMap<>(routes);
    m.put(route.id(), route);
    return new DevState(org, token, envs, m, instances);
  }

  /** This state without the route {@code id}. */
  public DevState withoutRoute(String id) {
    Map<String, Route> m = new TreeMap<>(routes);
    m.remove(id);
    return new DevState(org, token, envs, m, instances);
  }

  /** This state with {@code instance} added or replaced. */
  public DevState withInstance(Instance instance) {
    Map<String, Instance> m = new TreeMap<>(instances);
    m.put(instance.id(), instance);
    return new DevState(org, token, envs, routes, m);
  }

  /** This state without the instance {@code id}. */
  public DevState withoutInstance(String id) {
    Map<String, Instance> m = new TreeMap<>(instances);
    m.remove(id);
    return new DevState(org, token, envs, routes, m);
  }
}
