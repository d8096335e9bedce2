package dev.ghost.ingress.cluster;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.testing.DevPlanes;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The set-up the fleet ITs share: a dev control plane with one ready instance, and {@code ingress.jar} nodes that
 * sync from it every 500 ms; plus the reads of a node's admin API they all make. Each IT class starts its own in
 * {@code @BeforeAll} and closes it in {@code @AfterAll}: nothing is shared between classes, so no test depends on
 * another having run.
 */
final class SyncedFleet implements AutoCloseable {

  static final String ORG = "org_01JFW0000000000000000000";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Pattern REFUSAL = Pattern.compile(
      "^ghost_cluster_refusals_total\\{channel=\"([a-z_]+)\",reason=\"([a-z_]+)\",?\\} ([0-9.eE+]+)$");

  private final Vertx vertx;
  private final Path dir;
  private final DevControlPlane cp;
  private TestFleet fleet;

  private SyncedFleet(Vertx vertx, Path dir, DevControlPlane cp) {
    this.vertx = vertx;
    this.dir = dir;
    this.cp = cp;
  }

  /**
   * Starts the control plane, then {@code n} nodes syncing from it; {@code nodeEnv} adds each node's own variables
   * (cluster name and members, port map) to the sync settings. On a failure, what started is closed.
   *
   * @param name    the temporary directory's prefix, e.g. {@code fleet-sync-}
   * @param token   the control plane's API token
   * @param options the fleet's options; their {@code env} is replaced by the sync settings plus {@code nodeEnv}
   */
  static SyncedFleet start(String name, String token, int n, TestFleet.Options options,
      IntFunction<Map<String, String>> nodeEnv) throws Exception {
    Vertx vertx = Vertx.vertx();
    SyncedFleet synced = null;
    try {
      Path dir = Files.createTempDirectory(name);
      synced = new SyncedFleet(vertx, dir, DevPlanes.oneReadyInstance(vertx, dir, ORG, token));
      String url = "http://127.0.0.1:" + synced.cp.port();
      synced.fleet = TestFleet.start(n, options.env(i -> {
        Map<String, String> env = new HashMap<>(nodeEnv.apply(i));
        env.put("GHOST_CONTROL_PLANE_URL", url);
        env.put("GHOST_API_TOKEN", token);
        env.put("GHOST_ORG_ID", ORG);
        env.put("GHOST_SYNC_POLL_INTERVAL", "500ms");
        return env;
      }));
      return synced;
    } catch (Exception | Error e) {
      if (synced != null) {
        synced.close();
      } else {
        vertx.close().await();
      }
      throw e;
    }
  }

  /** The Vert.x instance the control plane runs on, free for the test's own servers. */
  Vertx vertx() {
    return vertx;
  }

  /** The temporary directory of the control plane's state. */
  Path dir() {
    return dir;
  }

  DevControlPlane cp() {
    return cp;
  }

  TestFleet fleet() {
    return fleet;
  }

  /** What the fleet's nodes trust: its shared secret, as a member holding it would load it. */
  ClusterTrust trust() {
    return ClusterTrust.load(new IngressConfig.Cluster(List.of("x"), null, 0, "x", 0, fleet.secretFile().toString(),
        false));
  }

  /** A tls_passthrough route of app_1/env_1 to the web processes' port 9443, PROXY protocol off. */
  static DevState.Route route(String id, String host, int port) {
    return new DevState.Route(id, "app_1", "env_1", host, port, DevState.TLS_PASSTHROUGH, "web", 9443,
        DevState.PROXY_OFF, false);
  }

  /** Adds {@link #route} at the control plane. */
  void addRoute(String id, String host, int port) {
    cp.edit(s -> s.withRoute(route(id, host, port)));
  }

  /** {@code GET path} on node {@code i}'s admin API: the JSON body of a 200, else null (also when unreachable). */
  JsonObject get(int i, String path) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(fleet.node(i).admin(path)))
          .timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return null;
    }
  }

  /** {@code POST path} with a JSON body on node {@code i}: the status, or -1 when unreachable. */
  int post(int i, String path, JsonObject body) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(fleet.node(i).admin(path))).timeout(REQUEST_TIMEOUT)
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()))
          .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  /** True when node {@code i} answers {@code /readyz} with 200. */
  boolean ready(int i) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(fleet.node(i).admin("/readyz"))).timeout(REQUEST_TIMEOUT)
          .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** The ids of the routes node {@code i} serves; empty when it does not answer. */
  Set<String> routeIds(int i) {
    JsonObject r = get(i, "/v1/routes");
    if (r == null) {
      return Set.of();
    }
    return r.getJsonArray("routes").stream().map(o -> ((JsonObject) o).getString("id")).collect(Collectors.toSet());
  }

  /** Node {@code i}'s {@code ghost_cluster_refusals_total} by reason, for one channel; only reasons counted. */
  Map<String, Double> refusalCounts(int i, String channel) {
    try {
      String text = HTTP.send(HttpRequest.newBuilder(URI.create(fleet.node(i).admin("/metrics")))
          .timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).body();
      // every channel and reason shows from start at 0: only counted ones are refusals seen
      return text.lines().map(REFUSAL::matcher).filter(Matcher::matches).filter(m -> m.group(1).equals(channel))
          .filter(m -> Double.parseDouble(m.group(3)) > 0)
          .collect(Collectors.toMap(m -> m.group(2), m -> Double.parseDouble(m.group(3)), Double::sum));
    } catch (IOException | InterruptedException e) {
      return Map.of();
    }
  }

  /** Node {@code i}'s refusals on one channel, all reasons together. */
  double refusals(int i, String channel) {
    return refusalCounts(i, channel).values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** Closes the nodes, then the control plane's Vert.x. */
  @Override
  public void close() {
    if (fleet != null) {
      fleet.close();
    }
    vertx.close().await();
  }
}
