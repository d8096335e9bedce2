package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.DevPlanes;
import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.TestFleet;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TlsStreamBackend;
import dev.ghost.ingress.testing.Wire;
import dev.ghost.ingress.testing.TlsStreamBackend.Session;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle of a 3-node fleet (separate JVMs, dev control plane in the test JVM, one TLS route to a streaming
 * backend): the fleet-wide draining counts of an admin-drained backend; a SIGTERMed node whose long-lived session
 * finishes within the deadline keeps it while new connections go to the other nodes; and the real
 * {@code cluster/rolling-restart.sh} restarting every node one at a time while a session runs through one of them.
 */
class RollingRestartIT {

  static final String ORG = "org_01JFW0000000000000000000";
  static final String TOKEN = "rolling-token";
  static final int ROUTE_PORT = 18543;
  static final Duration CONVERGED = Duration.ofSeconds(20);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Vertx vertx;
  static DevControlPlane cp;
  static TlsStreamBackend backend;
  static Path dir;
  static TestFleet fleet;
  static final List<Integer> listenPorts = new ArrayList<>();
  static final List<Integer> adminPorts = new ArrayList<>();
  static Path nodesFile;

  @BeforeAll
  static void start() throws Exception {
    long t0 = System.nanoTime();
    TestTls.warmUp();
    backend = TlsStreamBackend.start("::1", TestTls.MYAPP);
    dir = Files.createTempDirectory("rolling-");
    vertx = Vertx.vertx();
    cp = DevPlanes.oneReadyInstance(vertx, dir, ORG, TOKEN);
    cp.edit(s -> s.withRoute(new DevState.Route("rt_app", "app_1", "env_1", TestTls.MYAPP, ROUTE_PORT,
        DevState.TLS_PASSTHROUGH, "web", backend.port(), DevState.PROXY_OFF, false)));
    Set<Integer> taken = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      listenPorts.add(TestFleet.freePort(taken));
      adminPorts.add(TestFleet.freePort(taken));
    }
    // fixed admin and listener ports per node: a restarted node (by the script too) is found where it was
    fleet = TestFleet.start(3, new TestFleet.Options().env(i -> Map.of(
        "GHOST_CONTROL_PLANE_URL", "http://127.0.0.1:" + cp.port(),
        "GHOST_API_TOKEN", TOKEN,
        "GHOST_ORG_ID", ORG,
        "GHOST_SYNC_POLL_INTERVAL", "500ms",
        "GHOST_SHUTDOWN_TIMEOUT", "10s",
        "GHOST_ADMIN_ADDR", "127.0.0.1:" + adminPorts.get(i),
        "GHOST_PORT_MAP", ROUTE_PORT + "=" + listenPorts.get(i))));
    awaitConverged();
    System.out.println("[RollingRestartIT] fleet ready and converged in " + ms(t0) + " ms");
  }

  @AfterAll
  static void stop() throws Exception {
    // nodes the script restarted are not the fleet's child processes
    if (nodesFile != null && Files.exists(nodesFile)) {
      for (String line : Files.readAllLines(nodesFile)) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 2 && !f[0].startsWith("#")) {
          ProcessHandle.of(Long.parseLong(f[1])).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
          });
        }
      }
    }
    if (fleet != null) {
      fleet.close();
    }
    if (backend != null) {
      backend.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * Drain counts across nodes, a SIGTERMed node's session, then the rolling-restart script over the whole fleet. One
   * scenario on one fleet, its steps in this order (each builds on the state the one before left), rather than test
   * methods that would depend on JUnit running them in order.
   */
  @Test
  void drainsAndARollingRestartDropNoSessionThatFinishesInTime() throws Exception {
    anAdminDrainedBackendShowsItsOpenConnectionsOnAnotherNodesFleetView();
    aSessionThroughASigtermedNodeFinishesWhileNewConnectionsGoToTheOthers();
    theRollingRestartScriptRestartsEveryNodeWithoutDroppingASessionThatFinishesInTime();
  }

  private void anAdminDrainedBackendShowsItsOpenConnectionsOnAnotherNodesFleetView() throws Exception {
    String b = backend.backend();
    try (Session session = Session.open("::1", listenPorts.get(1), TestTls.MYAPP)) {
      session.exchange();
      assertThat(post(1, "/v1/backends/drain", new JsonObject().put("backend", b)).statusCode()).isEqualTo(200);
      Await.until("node-2's /v1/fleet: " + b + " open 1 on node-1", CONVERGED,
          () -> drainingOf(2, b) != null && drainingOf(2, b).getInteger("open") == 1
              && drainingOf(2, b).getJsonObject("nodes").getInteger("node-1") == 1,
          () -> String.valueOf(get(2, "/v1/fleet")));
      session.exchange(); // still relayed while its drain clock runs
    } finally {
      Await.until("node-2's /v1/fleet: " + b + " open 0", CONVERGED,
          () -> drainingOf(2, b) != null && drainingOf(2, b).getInteger("open") == 0,
          () -> String.valueOf(get(2, "/v1/fleet")));
      assertThat(post(1, "/v1/backends/undrain", new JsonObject().put("backend", b)).statusCode()).isEqualTo(200);
    }
    Await.until("the backend eligible again everywhere", CONVERGED, () -> fleet.indexes()
        .allMatch(i -> String.valueOf(get(i, "/v1/routes")).contains("\"state\":\"eligible\"")),
        () -> String.valueOf(get(0, "/v1/routes")));
  }

  private void aSessionThroughASigtermedNodeFinishesWhileNewConnectionsGoToTheOthers() throws Exception {
    long t0 = System.nanoTime();
    try (Session session = Session.open("::1", listenPorts.get(0), TestTls.MYAPP)) {
      session.exchange();
      JarProcess node0 = fleet.node(0).process();
      node0.sigterm();
      Await.until("node-0 /readyz 503", () -> status(0, "/readyz") == 503);
      Await.until("node-0 draining on node-1's /v1/fleet", CONVERGED, () -> fleetNode(1, "node-0") != null
          && fleetNode(1, "node-0").getBoolean("draining"), () -> String.valueOf(get(1, "/v1/fleet")));
      Wire.awaitRefused("::1", listenPorts.get(0));
      for (int i : List.of(1, 2)) {
        try (Session other = Session.open("::1", listenPorts.get(i), TestTls.MYAPP)) {
          other.exchange();
        }
      }
      for (int k = 0; k < 10; k++) {
        session.exchange();
      }
      session.close();
      assertThat(node0.awaitExit(Duration.ofSeconds(30))).as(node0.describe()).isZero();
      assertThat(node0.stdout()).noneMatch(l -> l.contains("drain_deadline"));
    }
    fleet.restart(0);
    awaitConverged();
    System.out.println("[RollingRestartIT] node-0 drained, exited 0, back and converged in " + ms(t0) + " ms");
  }

  private void theRollingRestartScriptRestartsEveryNodeWithoutDroppingASessionThatFinishesInTime() throws Exception {
    long t0 = System.nanoTime();
    List<JarProcess> before = fleet.nodes().stream().map(TestFleet.Node::process).toList();
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      lines.append(fleet.node(i).nodeId()).append(' ').append(before.get(i).process().pid())
          .append(" http://127.0.0.1:").append(adminPorts.get(i)).append('\n');
    }
    nodesFile = JarProcess.write(dir, "fleet.nodes", lines.toString());
    Path root = JarProcess.builtJar().toAbsolutePath().getParent().getParent();
    Path output = dir.resolve("rolling-restart.out");
    ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("cluster/rolling-restart.sh").toString(),
        nodesFile.toString()).redirectErrorStream(true).redirectOutput(output.toFile());
    pb.environment().put("RR_EXIT_TIMEOUT_S", "40");
    pb.environment().put("RR_READY_TIMEOUT_S", "60");
    pb.environment().put("RR_CONVERGE_TIMEOUT_S", "30");
    // node-0 is restarted first: a session through it must outlive the script's drain of it
    try (Session session = Session.open("::1", listenPorts.get(0), TestTls.MYAPP)) {
      session.exchange();
      Process script = pb.start();
      try {
        Await.until("node-0 draining (/readyz 503)", CONVERGED, () -> status(0, "/readyz") == 503,
            () -> read(output));
        try (Session other = Session.open("::1", listenPorts.get(1), TestTls.MYAPP)) {
          other.exchange(); // new connections go to the other nodes
        }
        for (int k = 0; k < 10; k++) {
          session.exchange();
        }
        session.close();
        assertThat(before.get(0).awaitExit(Duration.ofSeconds(30))).as(before.get(0).describe()).isZero();
        assertThat(script.waitFor(120, TimeUnit.SECONDS)).as(read(output)).isTrue();
        assertThat(script.exitValue()).as(read(output)).isZero();
      } finally {
        script.destroyForcibly();
      }
    }
    for (JarProcess p : before) {
      assertThat(p.awaitExit(Duration.ofSeconds(5))).as("every old node exited 0\n" + p.describe()).isZero();
    }
    assertThat(before.get(0).stdout()).noneMatch(l -> l.contains("drain_deadline"));
    assertThat(read(output)).contains("all 3 nodes restarted");
    awaitConverged();
    for (int i = 0; i < 3; i++) {
      try (Session s = Session.open("::1", listenPorts.get(i), TestTls.MYAPP)) {
        s.exchange();
      }
    }
    System.out.println("[RollingRestartIT] rolling restart of 3 nodes in " + ms(t0) + " ms:\n" + read(output));
  }

  // ---- helpers

  static void awaitConverged() {
    Await.until("3 ready nodes, converged on one hash, none draining", Duration.ofSeconds(60),
        () -> fleet.indexes().allMatch(i -> status(i, "/readyz") == 200 && converged(get(i, "/v1/fleet"))),
        () -> fleet.indexes().mapToObj(i -> String.valueOf(get(i, "/v1/fleet"))).collect(Collectors.joining("\n")));
  }

  static boolean converged(JsonObject view) {
    if (view == null || view.getString("leader") == null) {
      return false;
    }
    List<JsonObject> nodes = view.getJsonArray("nodes").stream().map(o -> (JsonObject) o).toList();
    return nodes.size() == 3 && nodes.stream().allMatch(n -> n.getBoolean("alive") && !n.getBoolean("diverged")
        && !n.getBoolean("draining"));
  }

  static JsonObject fleetNode(int i, String nodeId) {
    JsonObject view = get(i, "/v1/fleet");
    return view == null ? null : view.getJsonArray("nodes").stream().map(o -> (JsonObject) o)
        .filter(n -> nodeId.equals(n.getString("node_id"))).findFirst().orElse(null);
  }

  static JsonObject drainingOf(int i, String backend) {
    JsonObject view = get(i, "/v1/fleet");
    return view == null ? null : view.getJsonObject("draining").getJsonObject(backend);
  }

  static String admin(int i, String path) {
    return "http://127.0.0.1:" + adminPorts.get(i) + path;
  }

  static int status(int i, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(admin(i, path))).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  static JsonObject get(int i, String path) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(admin(i, path)))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return null;
    }
  }

  static HttpResponse<String> post(int i, String path, JsonObject body) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(admin(i, path))).timeout(Duration.ofSeconds(5))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
