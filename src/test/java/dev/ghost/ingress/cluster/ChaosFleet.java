package dev.ghost.ingress.cluster;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.DevPlanes;
import dev.ghost.ingress.testing.StreamingTlsSession;
import dev.ghost.ingress.testing.TestFleet;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;

/**
 * A chaos-test fleet: a dev control plane in the test JVM and three clustered {@code ingress.jar} nodes syncing from
 * it (poll every 500 ms plus the stream), each with its own bind port per route port ({@code GHOST_PORT_MAP}), and
 * the views tests poll: routes, sync status, {@code /v1/fleet}, and whether a route really serves (a TLS handshake
 * through the node with the route's SNI reaches the backend's certificate).
 */
final class ChaosFleet implements AutoCloseable {

  static final String ORG = "org_01JFW0000000000000000000";
  static final String TOKEN = "chaos-token";
  /** Route ports of the tests (each node binds its own port for each). */
  static final List<Integer> ROUTE_PORTS = List.of(18443, 18444, 18445);
  /** Generous deadline for a change or a merge to show; the real times are printed. */
  static final Duration CONVERGED = Duration.ofSeconds(40);
  /**
   * Between two round trips of a chaos test's streaming session: ten sessions at full speed saturated both cores of
   * the CI machine while the members' heartbeats were due.
   */
  static final Duration SESSION_GAP = Duration.ofMillis(20);

  final Vertx vertx;
  final Path dir;
  final DevControlPlane cp;
  final TestFleet fleet;
  /** With a {@link NetPartition}: nodes 0 and 1 reach the control plane through it (node 2 directly); else null. */
  final CuttableLink cpLink;
  private final List<Map<Integer, Integer>> bindPorts;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private ChaosFleet(Vertx vertx, Path dir, DevControlPlane cp, CuttableLink cpLink, TestFleet fleet,
      List<Map<Integer, Integer>> bindPorts) {
    this.vertx = vertx;
    this.dir = dir;
    this.cp = cp;
    this.cpLink = cpLink;
    this.fleet = fleet;
    this.bindPorts = bindPorts;
  }

  /** Starts the control plane and a 3-node fleet syncing from it, all on loopback. */
  static ChaosFleet start() throws Exception {
    return start(null);
  }

  /**
   * Starts the control plane and a 3-node fleet syncing from it; with {@code net}, node 2 runs inside its network
   * namespace (cluster and admin on its inner addresses), the others' cluster address and the control plane on the
   * test's side of it, nodes 0 and 1 reaching the control plane through {@link #cpLink}. (Node 2's data listeners
   * are then out of the test's reach: {@link #serves} says false.)
   */
  static ChaosFleet start(NetPartition net) throws Exception {
    TestTls.warmUp();
    Path dir = Files.createTempDirectory("chaos-");
    Vertx vertx = Vertx.vertx();
    String cpHost = net == null ? "127.0.0.1" : net.hostService();
    DevControlPlane cp = DevPlanes.oneReadyInstance(vertx, dir, ORG, TOKEN, cpHost);
    CuttableLink cpLink = net == null ? null : CuttableLink.start(vertx, cpHost, cp.port());
    String direct = "http://" + cpHost + ":" + cp.port();
    Set<Integer> taken = new HashSet<>();
    List<Map<Integer, Integer>> bindPorts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Map<Integer, Integer> map = new HashMap<>();
      ROUTE_PORTS.forEach(p -> map.put(p, TestFleet.freePort(taken)));
      bindPorts.add(map);
    }
    try {
      TestFleet.Options options = new TestFleet.Options();
      if (net != null) {
        options.hosts(i -> i == 2 ? net.innerCluster() : net.hostCluster(), i -> i == 2 ? net.innerAdmin()
            : "127.0.0.1").launcher(i -> i == 2 ? net.launcher() : List.of());
      }
      TestFleet fleet = TestFleet.start(3, options.env(i -> Map.of(
            "GHOST_CONTROL_PLANE_URL", cpLink == null || i == 2 ? direct : "http://127.0.0.1:" + cpLink.port(),
            "GHOST_API_TOKEN", TOKEN,
            "GHOST_ORG_ID", ORG,
            "GHOST_SYNC_POLL_INTERVAL", "500ms",
            "GHOST_PORT_MAP", bindPorts.get(i).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(",")))));
      return new ChaosFleet(vertx, dir, cp, cpLink, fleet, bindPorts);
    } catch (Exception | Error e) {
      vertx.close().await();
      throw e;
    }
  }

  /** Adds (or replaces) a TLS-passthrough route to the control plane's instance at {@code backendPort}. */
  void addRoute(String id, String host, int routePort, int backendPort) {
    cp.edit(s -> s.withRoute(new DevState.Route(id, "app_1", "env_1", host, routePort, DevState.TLS_PASSTHROUGH,
        "web", backendPort, DevState.PROXY_OFF, false)));
  }

  void deleteRoute(String id) {
    cp.edit(s -> s.withoutRoute(id));
  }

  /** The port node {@code i} binds for {@code routePort}. */
  int bindPort(int i, int routePort) {
    return bindPorts.get(i).get(routePort);
  }

  /**
   * True when node {@code i} serves {@code sni} on {@code routePort}: a TLS handshake through it completes with the
   * certificate of {@code sni} (the backend's). False when the connection is refused, closed or times out.
   */
  boolean serves(int i, int routePort, String sni) {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress("::1", bindPort(i, routePort)), 1_000);
      try (SSLSocket tls = TestTls.handshake(plain, sni, "TLSv1.3")) {
        return sni.equals(TestTls.peerCommonName(tls));
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The route ids in node {@code i}'s {@code /v1/routes}, or null when it does not answer. */
  Set<String> routeIds(int i) {
    JsonObject r = get(i, "/v1/routes");
    if (r == null) {
      return null;
    }
    return r.getJsonArray("routes").stream().map(o -> ((JsonObject) o).getString("id")).collect(Collectors.toSet());
  }

  /** True when node {@code i} answers and lists {@code id}. */
  boolean lists(int i, String id) {
    Set<String> ids = routeIds(i);
    return ids != null && ids.contains(id);
  }

  /** True when node {@code i} answers and does not list {@code id}. */
  boolean lacks(int i, String id) {
    Set<String> ids = routeIds(i);
    return ids != null && !ids.contains(id);
  }

  /** Node {@code i}'s {@code /v1/status} "sync" object, or null. */
  JsonObject sync(int i) {
    JsonObject s = get(i, "/v1/status");
    return s == null ? null : s.getJsonObject("sync");
  }

  /** Node {@code i}'s {@code /v1/status} "cluster" object, or null. */
  /** Node {@code i} adopts the cluster's snapshots and does not talk to the control plane. */
  boolean following(int i) {
    JsonObject sync = sync(i);
    return sync != null && "following".equals(sync.getString("state"));
  }

  /** What each node says, for a failed wait's message. */
  /** A streaming TLS session, paced by {@link #SESSION_GAP}, through node {@code i}'s bind of route {@code port}. */
  StreamingTlsSession stream(int i, int port, String sni) throws java.io.IOException {
    return StreamingTlsSession.open("::1", bindPort(i, port), sni, SESSION_GAP);
  }

  String describe(ChaosWatch watch) {
    return "violations " + watch.violations() + "\n" + java.util.stream.IntStream.range(0, 3).mapToObj(i -> "node-"
        + i + " members=" + fleet.members(i) + " sync=" + sync(i) + " fleet=" + fleetView(i) + " routes="
        + routeIds(i)).collect(java.util.stream.Collectors.joining("\n"));
  }

  JsonObject cluster(int i) {
    JsonObject s = get(i, "/v1/status");
    return s == null ? null : s.getJsonObject("cluster");
  }

  JsonObject fleetView(int i) {
    return get(i, "/v1/fleet");
  }

  /** The leader node {@code i}'s {@code /v1/fleet} names, or null. */
  String leader(int i) {
    JsonObject f = fleetView(i);
    return f == null ? null : f.getString("leader");
  }

  /** True when node {@code i}'s view lists {@code n} live nodes, one hash, none diverged, and names a leader. */
  boolean converged(int i, int n) {
    JsonObject f = fleetView(i);
    if (f == null || f.getString("leader") == null) {
      return false;
    }
    JsonArray a = f.getJsonArray("nodes");
    List<JsonObject> live = a.stream().map(o -> (JsonObject) o).filter(o -> o.getBoolean("alive")).toList();
    return live.size() == n && live.stream().noneMatch(o -> o.getBoolean("diverged"))
        && live.stream().map(o -> o.getString("hash")).distinct().count() == 1;
  }

  /** Waits until every node in {@code on} lists route {@code id} ({@code present}) or not. */
  void awaitListed(String id, boolean present, List<Integer> on) {
    Await.until(id + (present ? " listed" : " gone") + " on nodes " + on, CONVERGED,
        () -> on.stream().allMatch(i -> present ? lists(i, id) : lacks(i, id)),
        () -> on.stream().map(i -> "node-" + i + "=" + routeIds(i)).collect(Collectors.joining(", ")));
  }

  JsonObject get(int i, String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(fleet.node(i).admin(path)))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return null;
    }
  }

  /** Sends {@code signal} ({@code STOP}, {@code CONT}) to node {@code i}'s process by pid, through kill(1). */
  void signal(int i, String signal) throws IOException, InterruptedException {
    long pid = fleet.node(i).process().process().toHandle().pid();
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + signal + " " + pid + ": " + new String(kill.getInputStream().readAllBytes()));
    }
  }

  static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Override
  public void close() {
    try {
      for (int i = 0; i < fleet.size(); i++) {
        if (fleet.node(i).alive()) {
          try {
            signal(i, "CONT"); // a stopped JVM cannot handle the SIGTERM of close
          } catch (IOException | InterruptedException e) {
            // it gets SIGKILL after 10 s
          }
        }
      }
      fleet.close();
    } finally {
      vertx.close().await();
    }
  }
}
