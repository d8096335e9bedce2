package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.RecordingTcpBackend;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Shared routing state across three {@code ingress.jar} JVMs and a dev control plane in the test JVM: a route
 * created at the control plane serves on every node (time measured and printed), {@code /v1/fleet} shows one leader
 * and one hash, a SIGKILLed leader is replaced and a later change still reaches the survivors, and the killed node
 * restarted late (the youngest member now) converges.
 */
class FleetSyncIT {

  static final String TOKEN = "fleet-token";
  /** Generous: measured propagation is well under a second (see the printed times). */
  static final Duration CONVERGED = Duration.ofSeconds(15);
  static final int PORT_A = 18443;
  static final int PORT_B = 18444;
  static final int PORT_C = 18445;

  static SyncedFleet synced;
  static Vertx vertx;
  static DevControlPlane cp;
  static TestFleet fleet;
  /** Per node: {@code GHOST_PORT_MAP} (route port → this node's own bind port). */
  static List<String> portMaps;

  @BeforeAll
  static void start() throws Exception {
    Set<Integer> taken = new HashSet<>();
    portMaps = List.of(portMap(taken), portMap(taken), portMap(taken));
    long t0 = System.nanoTime();
    synced = SyncedFleet.start("fleet-sync-", TOKEN, 3, new TestFleet.Options(),
        i -> Map.of("GHOST_PORT_MAP", portMaps.get(i)));
    fleet = synced.fleet();
    cp = synced.cp();
    vertx = synced.vertx();
    System.out.println("[FleetSyncIT] 3-node fleet with sync ready in " + ms(t0) + " ms");
  }

  private static String portMap(Set<Integer> taken) {
    return PORT_A + "=" + TestFleet.freePort(taken) + "," + PORT_B + "=" + TestFleet.freePort(taken) + ","
        + PORT_C + "=" + TestFleet.freePort(taken);
  }

  @AfterAll
  static void stop() {
    if (synced != null) {
      synced.close();
    }
  }

  /**
   * The shared routing state through a fleet's life: sync, leader loss, a late join, a fleet-wide drain, a divergent
   * node and a restart from the state file. One scenario on one fleet, its steps in this order (each builds on the
   * state the one before left), rather than test methods that would depend on JUnit running them in order.
   */
  @Test
  void aFleetSyncsFromTheControlPlaneThroughLeaderLossLateJoinsDrainsAndRestarts() throws Exception {
    routeCreatedAtTheControlPlaneServesOnEveryNode();
    fleetViewShowsOneLeaderAndOneHash();
    aKilledLeaderIsReplacedAndLaterChangesStillReachTheSurvivors();
    aNodeJoiningLateConverges();
    anAdminDrainIssuedOnOneNodeTakesEffectOnAll();
    fleetViewReportsADivergentNode();
    aNodeRestartedWithTheControlPlaneDownAndTheClusterGoneServesFromItsFile();
  }

  private void routeCreatedAtTheControlPlaneServesOnEveryNode() {
    long t0 = System.nanoTime();
    synced.addRoute("rt_a", "a.example.com", PORT_A);
    awaitRoute("rt_a", List.of(0, 1, 2));
    System.out.println("[FleetSyncIT] control-plane edit -> route on all 3 nodes in " + ms(t0) + " ms");
  }

  private void fleetViewShowsOneLeaderAndOneHash() {
    Await.until("every node reports 3 converged nodes", CONVERGED, () -> fleet.indexes().allMatch(i -> {
      JsonObject f = fleetView(i);
      return f != null && converged(f, 3);
    }), () -> fleet.indexes().mapToObj(i -> String.valueOf(fleetView(i))).collect(Collectors.joining("\n")));
    JsonObject view = fleetView(1);
    assertThat(view.getString("leader")).isEqualTo("node-0");
    assertThat(view.getLong("last_propagation_ms")).isNotNull().isBetween(0L, CONVERGED.toMillis());
    assertThat(nodes(view).stream().map(n -> n.getString("node_id")))
        .containsExactly("node-0", "node-1", "node-2");
    System.out.println("[FleetSyncIT] /v1/fleet: " + view.encode());
    awaitHealthNodes(List.of(0, 1, 2), List.of("node-0", "node-1", "node-2"));
    System.out.println("[FleetSyncIT] /v1/fleet/health: " + synced.get(1, "/v1/fleet/health").encode());
  }

  private void aKilledLeaderIsReplacedAndLaterChangesStillReachTheSurvivors() throws Exception {
    long t0 = System.nanoTime();
    fleet.kill(0);
    fleet.awaitMembers(2, Duration.ofSeconds(10));
    synced.addRoute("rt_b", "b.example.com", PORT_B);
    awaitRoute("rt_b", List.of(1, 2));
    System.out.println("[FleetSyncIT] SIGKILL of the leader -> next change on both survivors in " + ms(t0)
        + " ms");
    // each survivor names the new leader once it has processed the member's removal itself; the change can reach
    // a survivor through the new leader's snapshot a moment before that
    Await.until("both survivors name the same new leader", () -> {
      JsonObject one = fleetView(1);
      JsonObject two = fleetView(2);
      return one != null && two != null && List.of("node-1", "node-2").contains(two.getString("leader"))
          && two.getString("leader").equals(one.getString("leader"));
    }, () -> fleetView(1) + " / " + fleetView(2));
    awaitHealthNodes(List.of(1, 2), List.of("node-1", "node-2")); // the dead member's view is dropped
  }

  private void aNodeJoiningLateConverges() throws Exception {
    long t0 = System.nanoTime();
    fleet.restart(0);
    awaitRoute("rt_b", List.of(0));
    System.out.println("[FleetSyncIT] late joiner (restart) serving the fleet's routes " + ms(t0)
        + " ms after spawn");
    Await.until("3 converged nodes", CONVERGED, () -> {
      JsonObject f = fleetView(0);
      return f != null && converged(f, 3);
    }, () -> String.valueOf(fleetView(0)));
    assertThat(fleetView(0).getString("leader")).isNotEqualTo("node-0");
  }

  private void anAdminDrainIssuedOnOneNodeTakesEffectOnAll() throws Exception {
    awaitRoute("rt_b", List.of(0, 1, 2));
    assertThat(synced.post(1, "/v1/backends/drain", new JsonObject().put("backend", "[::1]:9443"))).isEqualTo(200);
    long t0 = System.nanoTime();
    Await.until("the backend drained on every node", CONVERGED,
        () -> fleet.indexes().allMatch(i -> "drained".equals(backendState(i, "rt_b"))),
        () -> fleet.indexes().mapToObj(i -> "node-" + i + "=" + backendState(i, "rt_b"))
            .collect(Collectors.joining(", ")));
    System.out.println("[FleetSyncIT] admin drain on node-1 -> drained on all 3 nodes in " + ms(t0) + " ms");
  }

  /**
   * A node whose last-known-good file is newer than the cluster's snapshot keeps serving it (a stale cluster never
   * overwrites a newer local state), and {@code /v1/fleet} on every node reports exactly that node as diverged.
   */
  private void fleetViewReportsADivergentNode() throws Exception {
    awaitRoute("rt_a", List.of(0, 1, 2));
    fleet.kill(2);
    fleet.awaitMembers(2, Duration.ofSeconds(10));
    // the state node-2's file holds (its base and journal), rewritten as a base: its journal names another base
    JsonObject file = StateFile.toJson(((StateFile.Loaded.Ok) StateFile.read(fleet.stateFile(2))).state(),
        Instant.now());
    file.put("cursor", file.getLong("cursor") + 1_000_000);
    JsonArray routes = new JsonArray(file.getJsonArray("routes").stream()
        .filter(r -> !"rt_a".equals(((JsonObject) r).getString("route_id"))).toList());
    file.put("routes", routes);
    file.getJsonObject("backends").remove("rt_a");
    writeAtomically(fleet.stateFile(2), file.encodePrettily());
    fleet.restart(2);
    Await.until("node-2 reported diverged, the others not", CONVERGED,
        () -> fleet.indexes().allMatch(i -> List.of("node-2").equals(divergedNodes(fleetView(i)))),
        () -> fleet.indexes().mapToObj(i -> String.valueOf(fleetView(i))).collect(Collectors.joining("\n")));
    assertThat(synced.routeIds(2)).contains("rt_b").doesNotContain("rt_a");
    assertThat(synced.routeIds(0)).contains("rt_a", "rt_b");
    System.out.println("[FleetSyncIT] /v1/fleet with a divergent node: " + fleetView(0).encode());
  }

  /**
   * The control plane is down and every other member is gone: a node restarted alone loads its state file and
   * routes real connections from it.
   */
  private void aNodeRestartedWithTheControlPlaneDownAndTheClusterGoneServesFromItsFile() throws Exception {
    RecordingTcpBackend backend = RecordingTcpBackend.start(vertx, "::1");
    try {
      cp.edit(s -> s.withRoute(new DevState.Route("rt_c", "app_1", "env_1", "c.example.com", PORT_C,
          DevState.TLS_PASSTHROUGH, "web", backend.actualPort(), DevState.PROXY_OFF, false)));
      awaitRoute("rt_c", List.of(0, 1));
      Await.until("node-1's state file holds rt_c", CONVERGED,
          () -> (read(fleet.stateFile(1)) + read(journal(fleet.stateFile(1)))).contains("\"rt_c\""),
          () -> "state file of node-1");
      cp.close().await();
      for (int i = 0; i < fleet.size(); i++) {
        fleet.kill(i);
      }
      long t0 = System.nanoTime();
      fleet.restart(1);
      System.out.println("[FleetSyncIT] node-1 alone, control plane down: ready in " + ms(t0) + " ms");
      assertThat(fleet.members(1)).isEqualTo(1);
      assertThat(synced.routeIds(1)).contains("rt_c");
      byte[] hello = ClientHellos.jdk("c.example.com", "TLSv1.3");
      try (Socket s = Clients.connect("::1", bindPort(1, PORT_C))) {
        s.getOutputStream().write(hello);
        // health probes connect too, and send nothing
        Await.until("the backend receives the ClientHello", CONVERGED,
            () -> IntStream.range(0, backend.accepted()).anyMatch(i -> backend.connection(i).size() == hello.length
                && Arrays.equals(backend.connection(i).bytes(), hello)),
            () -> "accepted " + backend.accepted());
      }
    } finally {
      backend.close();
    }
  }

  // ---- helpers

  /** The bind port node {@code i} maps {@code routePort} to. */
  private static int bindPort(int i, int routePort) {
    for (String pair : portMaps.get(i).split(",")) {
      String[] kv = pair.split("=");
      if (Integer.parseInt(kv[0]) == routePort) {
        return Integer.parseInt(kv[1]);
      }
    }
    throw new IllegalArgumentException("no bind port for " + routePort + " on node " + i);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  /** The journal beside a state file (docs/control-plane.md, "Last-known-good"). */
  private static Path journal(Path stateFile) {
    return stateFile.resolveSibling(stateFile.getFileName() + ".journal");
  }

  private static void writeAtomically(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The ids of the live nodes {@code view} marks diverged, sorted; null view → null. */
  private static List<String> divergedNodes(JsonObject view) {
    if (view == null) {
      return null;
    }
    return nodes(view).stream().filter(o -> o.getBoolean("alive") && o.getBoolean("diverged"))
        .map(o -> o.getString("node_id")).sorted().toList();
  }

  /** The state of the (single) backend of route {@code id} on node {@code i}, or null. */
  private static String backendState(int i, String id) {
    JsonObject r = synced.get(i, "/v1/routes");
    if (r == null) {
      return null;
    }
    return r.getJsonArray("routes").stream().map(o -> (JsonObject) o).filter(o -> id.equals(o.getString("id")))
        .findFirst().map(o -> o.getJsonArray("backends").getJsonObject(0).getString("state")).orElse(null);
  }

  /** Every node in {@code on} lists exactly {@code ids} in {@code /v1/fleet/health}. */
  private static void awaitHealthNodes(List<Integer> on, List<String> ids) {
    Await.until("/v1/fleet/health lists " + ids + " on nodes " + on, CONVERGED,
        () -> on.stream().allMatch(i -> {
          JsonObject h = synced.get(i, "/v1/fleet/health");
          return h != null && h.getJsonArray("nodes").getList().equals(ids);
        }), () -> on.stream().map(i -> String.valueOf(synced.get(i, "/v1/fleet/health")))
            .collect(Collectors.joining("\n")));
  }

  private static void awaitRoute(String id, List<Integer> nodes) {
    Await.until(id + " on nodes " + nodes, CONVERGED,
        () -> nodes.stream().allMatch(i -> synced.routeIds(i).contains(id)),
        () -> nodes.stream().map(i -> "node-" + i + "=" + synced.routeIds(i)).collect(Collectors.joining(", "))
            + "\n" + fleet.describe());
  }

  private static boolean converged(JsonObject fleetView, int n) {
    List<JsonObject> nodes = nodes(fleetView).stream().filter(o -> o.getBoolean("alive")).toList();
    return nodes.size() == n && nodes.stream().noneMatch(o -> o.getBoolean("diverged"))
        && nodes.stream().map(o -> o.getString("hash")).distinct().count() == 1
        && fleetView.getString("leader") != null;
  }

  private static List<JsonObject> nodes(JsonObject view) {
    JsonArray a = view.getJsonArray("nodes");
    return a.stream().map(o -> (JsonObject) o).toList();
  }

  private static JsonObject fleetView(int i) {
    return synced.get(i, "/v1/fleet");
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
