package dev.ghost.ingress.testing;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.config.ConfigLoader;
import dev.ghost.ingress.config.IngressConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * An ingress node in the test JVM, configured through the real config validation. Every route port is mapped to an
 * ephemeral bind port ({@code GHOST_PORT_MAP} {@code port=0}), so tests never pick fixed ports; {@link #port} says
 * where a host and route port ended up.
 */
public final class TestNode implements AutoCloseable {

  private final IngressNode node;

  private TestNode(IngressNode node) {
    this.node = node;
  }

  /** Starts a node from {@code spec}; fails the test on a config or start-up error. */
  public static TestNode start(Spec spec) throws Exception {
    IngressConfig config = ConfigLoader.fromJson(spec.toJson(), spec.env, "test-config");
    return new TestNode(IngressNode.start(config).await());
  }

  /**
   * Starts a node from a config file, as {@code --config FILE} does (read through vertx-config, {@code env} on
   * top); the node watches and reloads that file.
   */
  public static TestNode startFromFile(Path file, Map<String, String> env) throws Exception {
    io.vertx.core.Vertx loader = io.vertx.core.Vertx.vertx();
    IngressConfig config;
    try {
      config = ConfigLoader.load(loader, file, env).await();
    } finally {
      loader.close().await();
    }
    return new TestNode(IngressNode.start(config, file, env).await());
  }

  /** The validated configuration {@code spec} describes, e.g. to build a table for {@code tables().swap}. */
  public static IngressConfig config(Spec spec) throws Exception {
    return ConfigLoader.fromJson(spec.toJson(), spec.env, "test-config");
  }

  public IngressNode node() {
    return node;
  }

  /** The real port bound on {@code host} for {@code routePort}. */
  public int port(String host, int routePort) {
    int p = node.bound().port(host, routePort);
    if (p <= 0) {
      throw new IllegalStateException("nothing bound on " + host + " for route port " + routePort + ": "
          + node.bound().snapshot());
    }
    return p;
  }

  public int adminPort() {
    return node.adminPort();
  }

  /** A URL on the admin API. */
  public String admin(String path) {
    return "http://127.0.0.1:" + adminPort() + path;
  }

  /**
   * Waits until no connection is open on any listener or route (the active gauges are back to 0), failing after
   * {@code timeout}: every test connection has been closed by then, so anything left is a leaked connection.
   */
  public void awaitNoOpenConnections(java.time.Duration timeout) {
    io.micrometer.core.instrument.MeterRegistry registry = node.services().metrics().registry();
    java.util.function.DoubleSupplier open = () -> registry.find(dev.ghost.ingress.observe.MetricNames.CONNECTIONS_ACTIVE)
        .gauges().stream().mapToDouble(io.micrometer.core.instrument.Gauge::value).sum()
        + registry.find(dev.ghost.ingress.observe.MetricNames.ROUTE_CONNECTIONS_ACTIVE)
        .gauges().stream().mapToDouble(io.micrometer.core.instrument.Gauge::value).sum();
    Await.until("no open connections (active gauges sum to 0)", timeout, () -> open.getAsDouble() == 0);
  }

  @Override
  public void close() {
    node.close().await();
  }

  /** A node's configuration, written as the TOML file would be (same keys), plus environment variables. */
  public static final class Spec {
    private final JsonObject file = new JsonObject();
    private final JsonArray routes = new JsonArray();
    private final JsonArray envs = new JsonArray();
    private final Set<String> ipv6 = new LinkedHashSet<>();
    private final Set<String> ipv4 = new LinkedHashSet<>();
    private final Set<Integer> ports = new LinkedHashSet<>();
    private final Map<String, String> env = new HashMap<>();

    /** Adds a shared IPv6 listen host (port 443, mapped to an ephemeral port). */
    public Spec ipv6(String host) {
      ipv6.add("[" + host + "]:443");
      ports.add(443);
      return this;
    }

    /** Adds an IPv4 listen host (port 443, mapped to an ephemeral port). */
    public Spec ipv4(String host) {
      ipv4.add(host + ":443");
      ports.add(443);
      return this;
    }

    public Spec env(String id, String ipv4Address) {
      JsonObject e = new JsonObject().put("id", id);
      if (ipv4Address != null) {
        e.put("ipv4", ipv4Address);
      }
      envs.add(e);
      return this;
    }

    public Spec route(RouteJson route) {
      routes.add(route.json);
      ports.add(route.json.getInteger("port"));
      return this;
    }

    /** Sets a config key by its dotted TOML name, e.g. {@code proxy.sniff_timeout}. */
    public Spec set(String dottedKey, Object value) {
      String[] parts = dottedKey.split("\\.");
      JsonObject table = file;
      for (int i = 0; i < parts.length - 1; i++) {
        JsonObject next = table.getJsonObject(parts[i]);
        if (next == null) {
          next = new JsonObject();
          table.put(parts[i], next);
        }
        table = next;
      }
      table.put(parts[parts.length - 1], value);
      return this;
    }

    /**
     * Turns active TCP health probes off ({@code health.enabled = false}), for tests that count or inspect the
     * connections their backends accept (a probe is a connection too) or that rely on a passive ejection lasting
     * (a probe success ends it).
     */
    public Spec withoutProbes() {
      return set("health.enabled", false);
    }

    /** Sets an environment variable as the node would read it. */
    public Spec envVar(String name, String value) {
      env.put(name, value);
      return this;
    }

    /** The config file this spec describes, as JSON (write it to a {@code .json} file for {@link #startFromFile}). */
    public JsonObject json() throws IOException {
      return toJson();
    }

    /** The environment variables set on this spec. */
    public Map<String, String> envVars() {
      return Map.copyOf(env);
    }

    JsonObject toJson() throws IOException {
      JsonObject out = file.copy();
      JsonObject listen = out.getJsonObject("listen", new JsonObject());
      listen.put("ipv6", new JsonArray(new java.util.ArrayList<>(ipv6)));
      listen.put("ipv4", new JsonArray(new java.util.ArrayList<>(ipv4)));
      if (!listen.containsKey("port_map")) {
        JsonArray map = new JsonArray();
        ports.forEach(p -> map.add(p + "=0"));
        listen.put("port_map", map);
      }
      out.put("listen", listen);
      JsonObject admin = out.getJsonObject("admin", new JsonObject());
      admin.put("listen", admin.getString("listen", "127.0.0.1:0"));
      out.put("admin", admin);
      JsonObject state = out.getJsonObject("state", new JsonObject());
      if (!state.containsKey("file")) {
        Path dir = Files.createTempDirectory("ghost-state");
        state.put("file", dir.resolve("state.json").toString());
      }
      out.put("state", state);
      if (!routes.isEmpty()) {
        out.put("route", routes);
      }
      if (!envs.isEmpty()) {
        out.put("env", envs);
      }
      return out;
    }
  }

  /** A {@code [[route]]} entry. */
  public static final class RouteJson {
    final JsonObject json = new JsonObject();

    public static RouteJson tls(String id, String hostname, String... backends) {
      RouteJson r = new RouteJson();
      r.json.put("id", id).put("hostname", hostname).put("port", 443).put("protocol", "tls_passthrough")
          .put("backends", new JsonArray(java.util.List.of((Object[]) backends)));
      return r;
    }

    public static RouteJson raw(String id, int port, String... backends) {
      RouteJson r = new RouteJson();
      r.json.put("id", id).put("port", port).put("protocol", "tcp_raw")
          .put("backends", new JsonArray(java.util.List.of((Object[]) backends)));
      return r;
    }

    public RouteJson port(int port) {
      json.put("port", port);
      return this;
    }

    public RouteJson proxyV2(String... tlvs) {
      json.put("proxy_protocol", "v2");
      if (tlvs.length > 0) {
        json.put("proxy_protocol_tlvs", new JsonArray(java.util.List.of((Object[]) tlvs)));
      }
      return this;
    }

    public RouteJson env(String env) {
      json.put("env", env);
      return this;
    }

    public RouteJson allowNonTls() {
      json.put("allow_non_tls", true);
      return this;
    }

    public RouteJson idleTimeout(Duration d) {
      json.put("idle_timeout", d.toMillis() + "ms");
      return this;
    }

    public RouteJson maxConnections(int n) {
      json.put("max_connections", n);
      return this;
    }
  }

  /** {@code host:port} with IPv6 in brackets, as backends are written. */
  public static String hostPort(String host, int port) {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
