package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attacker, against a fleet with a secret: a stranger joins the Hazelcast cluster first (so it is the
 * oldest member), with the same cluster name and members but another secret, and tries everything the issue did.
 * It is an in-JVM Vert.x + Hazelcast member (the test's JVM), so it can write any map value and send any bus
 * message; the fleet is two real {@code ingress.jar} nodes syncing from a dev control plane.
 *
 * <p>What remains is asserted too, as documented: the stranger is a Hazelcast member and reads the snapshot.
 */
class RogueMemberIT {

  static final String TOKEN = "rogue-it-token";
  static final Duration CONVERGED = Duration.ofSeconds(20);
  static final int PORT_A = 18443;
  static final int PORT_B = 18444;
  static final String LEGIT_BACKEND = "[::1]:9443";
  static final String ROGUE_PORT = "6666";

  static SyncedFleet synced;
  static TestFleet fleet;
  static StrangerMember rogueMember;
  static Vertx rogue;
  static HazelcastInstance rogueHz;
  /** What the rogue signs with: another secret than the fleet's. */
  static final ClusterTrust ROGUE_TRUST = ClusterTrust.ofSecret(
      "rogue-secret-rogue-secret-rogue-secret-0123456789".getBytes(StandardCharsets.UTF_8));
  static ClusterTrust fleetTrust;

  @BeforeAll
  static void start() throws Exception {
    String clusterName = "ghost-rogue-" + UUID.randomUUID();
    // the rogue first, alone: it is master and will stay the oldest member
    rogueMember = StrangerMember.join(clusterName, "rogue", ROGUE_TRUST);
    rogue = rogueMember.vertx();
    rogueHz = rogueMember.hazelcast();
    synced = SyncedFleet.start("rogue-member-", TOKEN, 2, new TestFleet.Options().strangers(1), i -> Map.of(
        "GHOST_CLUSTER_NAME", clusterName,
        "GHOST_CLUSTER_MEMBERS", rogueMember.memberList()));
    fleet = synced.fleet();
    fleetTrust = synced.trust();
    synced.addRoute("rt_a", "a.example.com", PORT_A);
    awaitBackend("rt_a", LEGIT_BACKEND);
  }

  @AfterAll
  static void stop() {
    if (synced != null) {
      synced.close();
    }
    if (rogueMember != null) {
      rogueMember.close();
    }
  }

  /**
   * A stranger that joined first and holds no secret: never leader, its forgeries refused, its commands never
   * arrive, the fleet keeps working. One scenario on one fleet, its steps in this order (each builds on the state
   * the one before left), rather than test methods that would depend on JUnit running them in order.
   */
  @Test
  void aStrangerWithoutTheSecretCanNeitherLeadNorPoisonNorCommand() throws Exception {
    theOldestMemberIsNeverLeaderWithoutTheSecret();
    forgedSnapshotsAreRefusedAndOverwrittenAndRoutesStay();
    busCommandsFromTheRogueNeverArrive();
    theFleetStillWorksAndTellsWhatItRefused();
  }

  private void theOldestMemberIsNeverLeaderWithoutTheSecret() {
    // what remains: the stranger is a Hazelcast member, and the oldest
    assertThat(rogueHz.getCluster().getMembers().iterator().next().localMember()).isTrue();
    assertThat(fleet.members(0)).isEqualTo(3);
    // its membership proof is signed with another secret
    rogueHz.getMap(FleetCoordinator.MEMBERS_MAP).set(rogueHz.getCluster().getLocalMember().getUuid().toString(),
        ROGUE_TRUST.seal(TrustChannel.MEMBER_ENTRY, rogueHz.getCluster().getLocalMember().getUuid().toString(),
            "rogue", new JsonObject().put("member", rogueHz.getCluster().getLocalMember().getUuid().toString())
                .put("node_id", "rogue").encode()));
    // and only node-0 talks to the control plane
    Await.until("both nodes name node-0 leader, count the rogue's proof refused, and only node-0 syncs", CONVERGED,
        () -> fleet.indexes().allMatch(i -> "node-0".equals(leader(i)) && synced.refusals(i, "member_entry") >= 1)
            && !"following".equals(syncState(0)) && "following".equals(syncState(1)),
        () -> fleet.indexes().mapToObj(i -> "node-" + i + " leader=" + leader(i) + " member_entry refusals="
            + synced.refusals(i, "member_entry") + " sync=" + syncState(i)).collect(Collectors.joining(", ")));
    assertThat(status(0).getJsonObject("cluster").getString("trust")).isEqualTo("secret");
  }

  private void forgedSnapshotsAreRefusedAndOverwrittenAndRoutesStay() {
    IMap<String, String> routing = rogueHz.getMap(FleetCoordinator.ROUTING_MAP);
    // what remains: the stranger reads the routing log, base snapshot and deltas (not secret; docs/clustering.md
    // says so): the base decodes without the secret, compressed or not
    String legit = routing.get(FleetCoordinator.SNAPSHOT_KEY);
    FleetSnapshot base = FleetSnapshot.decode(new JsonObject(legit).getString("body"));
    ControlPlaneState read = base.controlPlaneState();
    assertThat(read.routes().values()).anyMatch(r -> r.hostname().equals("a.example.com"));
    // the poison: a far newer cursor, every route's backend on the rogue's port
    long cursor = base.cursor() + 1000;
    JsonObject state = StateFile.toJson(read, Instant.now()).put("cursor", cursor);
    for (Object r : state.getJsonArray("routes")) {
      ((JsonObject) r).put("backend_port", Integer.parseInt(ROGUE_PORT));
    }
    String poison = new JsonObject().put("cursor", cursor).put("hash", "f".repeat(64))
        .put("published_at_ms", base.publishedAtMs()).put("leader", "rogue").put("state", state).encode();
    double before0 = synced.refusals(0, "snapshot");
    double before1 = synced.refusals(1, "snapshot");
    routing.set(FleetCoordinator.SNAPSHOT_KEY, ROGUE_TRUST.seal(TrustChannel.SNAPSHOT, "snapshot", "rogue", poison));
    Await.until("the wrongly signed snapshot refused by both nodes", CONVERGED,
        () -> synced.refusals(0, "snapshot") > before0 && synced.refusals(1, "snapshot") > before1,
        () -> "snapshot refusals " + synced.refusals(0, "snapshot") + " / " + synced.refusals(1, "snapshot"));
    awaitLeaderRewrote(routing);
    // one at a time: a node reads the value current when it is notified, so a quick second write could hide the first
    routing.set(FleetCoordinator.SNAPSHOT_KEY, ClusterTrust.insecure().seal(TrustChannel.SNAPSHOT, "snapshot",
        "rogue", poison)); // an insecure node's: no MAC
    Await.until("the unsigned snapshot refused", CONVERGED, () -> reasons(1, "snapshot").contains("unsigned"),
        () -> "snapshot refusal reasons on node-1: " + reasons(1, "snapshot"));
    routing.set(FleetCoordinator.SNAPSHOT_KEY, poison); // no envelope at all
    Await.until("the bare snapshot refused", CONVERGED, () -> reasons(1, "snapshot").contains("malformed"),
        () -> "snapshot refusal reasons on node-1: " + reasons(1, "snapshot"));
    awaitLeaderRewrote(routing);
    for (int i = 0; i < 2; i++) {
      assertThat(backends(i, "rt_a")).as("node-" + i).containsExactly(LEGIT_BACKEND);
    }
  }

  private void busCommandsFromTheRogueNeverArrive() throws Exception {
    JsonObject drainState = new JsonObject().put("node_id", "rogue").put("entries", new JsonArray().add(
        new JsonObject().put("backend", LEGIT_BACKEND).put("drained", true).put("stamp", Long.MAX_VALUE / 2)
            .put("origin", "rogue")));
    var bus = rogue.eventBus();
    bus.publish("ghost.admin.all.drain-backend", new JsonObject().put("backend", LEGIT_BACKEND));
    bus.publish("ghost.admin.all.log-level", new JsonObject().put("level", "trace"));
    bus.publish("ghost.admin.all.reload-config", new JsonObject());
    bus.publish("ghost.admin.all.drains", drainState);
    // requests last: each fails once the rogue's connection to that node failed (the publishes rode on it)
    // no answer within 5 s: a legit node answers these at once, so silence is the refusal
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(5_000);
    for (String node : List.of("node-0", "node-1")) {
      Throwable drain = bus.request("ghost.admin." + node + ".drain-node", new JsonObject(), quick)
          .map(m -> (Throwable) null).otherwise(err -> err).await();
      assertThat(drain).as(node + ": drain-node from the rogue").isNotNull();
      Throwable reload = bus.request("ghost.admin." + node, new JsonObject().put("command", "reload-config"), quick)
          .map(m -> (Throwable) null).otherwise(err -> err).await();
      assertThat(reload).as(node + ": reload-config from the rogue").isNotNull();
    }
    for (int i = 0; i < 2; i++) {
      assertThat(fleet.node(i).alive()).as("node-" + i + " alive").isTrue();
      assertThat(synced.ready(i)).as("node-" + i + " ready (not draining)").isTrue();
      assertThat(backendState(i, "rt_a")).as("node-" + i + " backend").isNotEqualTo("drained");
      assertThat(fleet.node(i).process().stdout()).as("node-" + i)
          .noneMatch(l -> l.contains("log level changed") || l.contains("backend drained by admin"));
    }
  }

  private void theFleetStillWorksAndTellsWhatItRefused() {
    // forged fleet entry: never listed
    rogueHz.getMap(FleetCoordinator.FLEET_MAP).set("rogue", ROGUE_TRUST.seal(TrustChannel.FLEET_ENTRY, "rogue",
        "rogue", new FleetEntry("rogue", "x", 1_000_000, "f".repeat(64), 0).encode()));
    // a legit change still reaches both nodes through the legit leader
    synced.addRoute("rt_b", "b.example.com", PORT_B);
    awaitBackend("rt_b", LEGIT_BACKEND);
    // and the same legit drain path works between the nodes (TLS between holders of the secret)
    assertThat(synced.post(0, "/v1/backends/drain", new JsonObject().put("backend", "[::1]:9999"))).isEqualTo(200);
    Await.until("/v1/fleet lists the two nodes only, the rogue's entry refused", CONVERGED,
        () -> fleet.indexes().allMatch(i -> {
          JsonObject f = synced.get(i, "/v1/fleet");
          return f != null && f.getJsonArray("nodes").stream().map(o -> ((JsonObject) o).getString("node_id"))
              .toList().equals(List.of("node-0", "node-1")) && synced.refusals(i, "fleet_entry") >= 1;
        }), () -> fleet.indexes().mapToObj(i -> String.valueOf(synced.get(i, "/v1/fleet")))
            .collect(Collectors.joining()));
    String secret;
    try {
      secret = Files.readString(fleet.secretFile()).strip();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (int i = 0; i < 2; i++) {
      List<String> out = fleet.node(i).process().stdout();
      assertThat(out).as("node-" + i + " never logs the secret").noneMatch(l -> l.contains(secret));
      // one line per channel, reason and sender, however often the rogue retried
      List<String> refused = out.stream().filter(l -> l.contains("cluster message refused")).toList();
      assertThat(refused).as("node-" + i).doesNotHaveDuplicates().isNotEmpty();
      assertThat(refused).noneMatch(l -> l.contains("a.example.com")); // never payload bytes
    }
  }

  // ---- helpers

  /** Waits until the map's snapshot verifies under the fleet's secret again (the leader's periodic rewrite). */
  private static void awaitLeaderRewrote(IMap<String, String> routing) {
    Await.until("the leader rewrote the snapshot", CONVERGED,
        () -> fleetTrust.unseal(TrustChannel.SNAPSHOT, FleetCoordinator.SNAPSHOT_KEY,
            routing.get(FleetCoordinator.SNAPSHOT_KEY)).body() != null,
        () -> "snapshot does not verify yet");
  }

  private static void awaitBackend(String id, String backend) {
    Await.until(id + " -> " + backend + " on both nodes", CONVERGED,
        () -> fleet.indexes().allMatch(i -> backends(i, id).equals(List.of(backend))),
        () -> fleet.indexes().mapToObj(i -> "node-" + i + "=" + backends(i, id)).collect(Collectors.joining(", "))
            + "\n" + fleet.describe());
  }

  private static JsonObject route(int i, String id) {
    JsonObject r = synced.get(i, "/v1/routes");
    if (r == null) {
      return null;
    }
    return r.getJsonArray("routes").stream().map(o -> (JsonObject) o).filter(o -> id.equals(o.getString("id")))
        .findFirst().orElse(null);
  }

  private static List<String> backends(int i, String id) {
    JsonObject r = route(i, id);
    if (r == null) {
      return List.of();
    }
    return r.getJsonArray("backends").stream().map(o -> o instanceof JsonObject j ? j.getString("address")
        : String.valueOf(o)).toList();
  }

  private static String backendState(int i, String id) {
    JsonObject r = route(i, id);
    if (r == null || r.getJsonArray("backends").isEmpty()) {
      return null;
    }
    Object b = r.getJsonArray("backends").getValue(0);
    return b instanceof JsonObject j ? j.getString("state") : null;
  }

  private static String leader(int i) {
    JsonObject f = synced.get(i, "/v1/fleet");
    return f == null ? null : f.getString("leader");
  }

  private static JsonObject status(int i) {
    return synced.get(i, "/v1/status");
  }

  private static String syncState(int i) {
    JsonObject s = status(i);
    return s == null ? null : s.getJsonObject("sync").getString("state");
  }

  private static Set<String> reasons(int i, String channel) {
    return synced.refusalCounts(i, channel).keySet();
  }
}
