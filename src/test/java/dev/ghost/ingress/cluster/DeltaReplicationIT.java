package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.IMap;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.sync.StateDelta;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The routing log between two {@code ingress.jar} JVMs (node-0 leads, node-1 follows), read and tampered with by a
 * Hazelcast member in the test JVM that holds another secret: a route change reaches the follower as a delta whose
 * size is the same at 100 and at 5 000 routes (bytes counted in the map, not time); a delta sealed with another
 * secret is refused (counted) and never applied, the follower taking the leader's base snapshot instead; a
 * follower that missed deltas recovers through the base; a lost delta makes the leader write a new base.
 */
class DeltaReplicationIT {

  static final String TOKEN = "delta-it-token";
  static final Duration CONVERGED = Duration.ofSeconds(60);
  static final int PORT = 18443;
  static final ClusterTrust OTHER_TRUST = ClusterTrust.ofSecret(
      "other-secret-other-secret-other-secret-0123456789".getBytes(StandardCharsets.UTF_8));

  static StrangerMember member;
  static SyncedFleet synced;
  static TestFleet fleet;
  static IMap<String, String> routing;
  static ClusterTrust fleetTrust;

  @BeforeAll
  static void start() throws Exception {
    String clusterName = "ghost-delta-" + UUID.randomUUID();
    // the test's member first: the oldest, never elected (its proof is not signed with the fleet's secret)
    member = StrangerMember.join(clusterName, "observer", OTHER_TRUST);
    routing = member.hazelcast().getMap(FleetCoordinator.ROUTING_MAP);
    Set<Integer> taken = new HashSet<>(Set.of(member.port()));
    List<String> portMaps = List.of(PORT + "=" + TestFleet.freePort(taken), PORT + "=" + TestFleet.freePort(taken));
    synced = SyncedFleet.start("delta-it-", TOKEN, 2, new TestFleet.Options().strangers(1), i -> Map.of(
        "GHOST_CLUSTER_NAME", clusterName,
        "GHOST_CLUSTER_MEMBERS", member.memberList(),
        "GHOST_PORT_MAP", portMaps.get(i)));
    fleet = synced.fleet();
    fleetTrust = synced.trust();
    addRoutes(0, 100);
    awaitRouteCount(100);
  }

  @AfterAll
  static void stop() {
    if (synced != null) {
      synced.close();
    }
    if (member != null) {
      member.close();
    }
  }

  /** One fleet, three steps in order: each builds on the table the one before left. */
  @Test
  void changesTravelAsDeltasAndAFollowerFallsBackToTheBaseWhenItMustNot() throws Exception {
    oneChangeReachesTheFollowerAsADeltaOfTheSameSizeAtOneHundredAndFiveThousandRoutes();
    aDeltaSealedWithAnotherSecretIsRefusedAndNeverApplied();
    aFollowerThatMissedDeltasRecoversThroughTheBaseAndALostDeltaBringsANewBase();
  }

  private void oneChangeReachesTheFollowerAsADeltaOfTheSameSizeAtOneHundredAndFiveThousandRoutes() {
    long at100 = changeBytes("rt_one");
    addRoutes(100, 5_000);
    awaitRouteCount(5_001);
    long at5000 = changeBytes("rt_two");
    // the whole state as a base would hold it (the file on disk may be an older base and a journal)
    long table = StateFile.toJson(((StateFile.Loaded.Ok) StateFile.read(fleet.stateFile(0))).state(),
        java.time.Instant.now()).encodePrettily().getBytes(StandardCharsets.UTF_8).length;
    System.out.println("[DeltaReplicationIT] bytes replicated for one route change: " + at100
        + " at 101 routes, " + at5000 + " at 5 001 routes; the state itself at 5 001 routes: " + table + " bytes");
    // the same order: a route id a digit longer, not 50 times the table
    assertThat(at5000).isLessThan(at100 * 2);
    assertThat(at5000 * 100).isLessThan(table);
  }

  private void aDeltaSealedWithAnotherSecretIsRefusedAndNeverApplied() {
    FleetHead h = head();
    // a delta the follower would take if it trusted it: from the version it serves, adding a route of the forger's
    String poison = new FleetDelta(h.seq() + 1, h.cursor(), h.hash(), h.cursor() + 1, "f".repeat(64), 0, "node-0",
        new StateDelta(h.cursor() + 1, Map.of(StateDelta.Part.ROUTES, Map.of("rt_poison", new JsonObject(
            "{\"route_id\":\"rt_poison\",\"app_id\":\"app_1\",\"env_id\":\"env_1\",\"hostname\":\"p.example.com\","
                + "\"listen_port\":18443,\"protocol\":\"tls_passthrough\",\"backend_process_type\":\"web\","
                + "\"backend_port\":6666,\"proxy_protocol\":\"off\",\"backend_expects_proxy_protocol\":false,"
                + "\"ipv4_required\":false,\"env_ipv4_address\":null,\"created_event_id\":1,"
                + "\"field_versions\":{}}"))), Map.of())).encode();
    double before = synced.refusals(1, "delta");
    long snapshotsBefore = logged(1, "fleet: cluster snapshot applied");
    routing.set(FleetLog.deltaKey(h.seq() + 1), OTHER_TRUST.seal(TrustChannel.DELTA, FleetLog.deltaKey(h.seq() + 1),
        "node-0", poison));
    addRoute("rt_after_forgery");
    awaitRoute(1, "rt_after_forgery");
    assertThat(synced.refusals(1, "delta")).as("the forged delta counted refused").isGreaterThan(before);
    assertThat(synced.routeIds(1)).doesNotContain("rt_poison");
    Await.until("node-1 took it through the base", CONVERGED,
        () -> logged(1, "fleet: cluster snapshot applied") > snapshotsBefore, () -> String.valueOf(fleetLines(1)));
    assertThat(logged(0, "fleet: delta key taken; publishing a base snapshot instead")).isPositive();
    assertThat(fleet.node(1).process().stdout().stream().filter(l -> l.contains("cluster message refused")
        && l.contains("\"channel\":\"delta\"")).count()).as("logged once").isEqualTo(1);
  }

  /**
   * node-1 is down while a change is published (a node that missed deltas: restarted, partitioned or frozen): it
   * comes back from its state file and catches up through the base, then by deltas again. A delta in use that
   * anyone but the leader removes (a member died with it) makes the leader write a new base.
   */
  private void aFollowerThatMissedDeltasRecoversThroughTheBaseAndALostDeltaBringsANewBase() throws Exception {
    fleet.kill(1);
    fleet.awaitMembers(2, CONVERGED);
    FleetHead before = head();
    addRoute("rt_missed");
    Await.until("the leader published rt_missed", CONVERGED, () -> synced.routeIds(0).contains("rt_missed")
        && head().seq() > before.seq(), () -> String.valueOf(head()));
    fleet.restart(1);
    awaitRoute(1, "rt_missed");
    // the log line follows the table swap by a moment
    Await.until("node-1 took it through the base", CONVERGED,
        () -> logged(1, "fleet: cluster snapshot applied") > 0, () -> String.valueOf(fleetLines(1)));
    addRoute("rt_next");
    awaitRoute(1, "rt_next");
    Await.until("node-1 follows by deltas again", CONVERGED,
        () -> logged(1, "fleet: cluster delta applied") > 0, () -> "no delta applied");

    long basesBefore = logged(0, "fleet: base snapshot written");
    FleetHead h = head();
    long lost = h.seq();
    while (lost >= h.logStart() && routing.get(FleetLog.deltaKey(lost)) == null) {
      lost--; // the newest delta stored (a head moved by a base has none at its own sequence)
    }
    assertThat(lost).as("a delta in use: " + h).isGreaterThanOrEqualTo(h.logStart());
    routing.delete(FleetLog.deltaKey(lost));
    Await.until("the leader wrote a new base for the lost delta", CONVERGED,
        () -> logged(0, "fleet: base snapshot written") > basesBefore, () -> String.valueOf(head()));
    addRoute("rt_after_loss");
    awaitRoute(1, "rt_after_loss");
  }

  // ---- helpers

  /**
   * Adds route {@code id}, waits until node-1 serves it, and returns the bytes of the deltas published meanwhile
   * (every one stored: a change published as a base fails the test).
   */
  private static long changeBytes(String id) {
    FleetHead before = head();
    long deltasBefore = logged(1, "fleet: cluster delta applied");
    addRoute(id);
    awaitRoute(1, id);
    Await.until("node-1 applied it as a delta", CONVERGED,
        () -> logged(1, "fleet: cluster delta applied") > deltasBefore, () -> "no delta applied");
    FleetHead after = head();
    long bytes = 0;
    for (long s = before.seq() + 1; s <= after.seq(); s++) {
      String raw = routing.get(FleetLog.deltaKey(s));
      assertThat(raw).as("delta " + s).isNotNull();
      bytes += raw.length();
    }
    assertThat(bytes).isPositive();
    return bytes;
  }

  private static FleetHead head() {
    return FleetHead.decode(fleetTrust.open(TrustChannel.SNAPSHOT, FleetLog.HEAD_KEY, routing.get(FleetLog.HEAD_KEY)));
  }

  private static void addRoute(String id) {
    synced.addRoute(id, id.replace('_', '-') + ".example.com", PORT);
  }

  private static void addRoutes(int from, int to) {
    synced.cp().edit(s -> {
      DevState out = s;
      for (int i = from; i < to; i++) {
        out = out.withRoute(SyncedFleet.route("rt_" + i, "r" + i + ".example.com", PORT));
      }
      return out;
    });
  }

  private static void awaitRouteCount(int n) {
    Await.until("both nodes serve " + n + " routes", Duration.ofSeconds(90),
        () -> fleet.indexes().allMatch(i -> synced.routeIds(i).size() >= n),
        () -> fleet.indexes().mapToObj(i -> "node-" + i + "=" + synced.routeIds(i).size())
            .collect(Collectors.joining(", ")));
  }

  private static void awaitRoute(int i, String id) {
    Await.until(id + " on node-" + i, CONVERGED, () -> synced.routeIds(i).contains(id),
        () -> "node-" + i + " routes " + synced.routeIds(i).size() + "\n" + fleet.describe());
  }

  private static List<String> fleetLines(int i) {
    List<String> lines = fleet.node(i).process().stdout().stream().filter(l -> l.contains("\"logger\":\"cluster.")
        || l.contains("\"logger\":\"sync.") || l.contains("ready")).toList();
    return lines.subList(Math.max(0, lines.size() - 40), lines.size());
  }

  private static long logged(int i, String message) {
    return fleet.node(i).process().stdout().stream().filter(l -> l.contains("\"msg\":\"" + message + "\"")).count();
  }
}
