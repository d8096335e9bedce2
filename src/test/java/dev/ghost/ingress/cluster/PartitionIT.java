package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.StreamingTlsSession;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TlsStreamBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A network partition of a 3-node jar fleet: node 2 runs in its own network namespace and its cluster traffic is
 * cut both ways ({@link NetPartition}; the test is skipped, with the reason, where namespaces cannot be made).
 * Each side then elects its own leader; the control plane deletes a route and adds one meanwhile, and only the
 * cut-off node can sync it (the majority's link to the control plane is cut too, {@link ChaosFleet#cpLink}). Once
 * healed, Hazelcast merges the cut-off node into the majority: one leader everywhere (the majority's), the merged-in
 * node follows it, and every node serves the newest table, which only the smaller side had (the routing map's
 * merge keeps the newest snapshot). No node's cursor ever goes backwards nor the deleted route comes back once
 * gone (admin views), and not one of the long-lived TLS sessions streaming through the majority's nodes on a route
 * that stays drops.
 */
class PartitionIT {

  /** The route the sessions stream through: another name on a port in use, never changed. */
  static final int PORT_LIVE = ChaosFleet.ROUTE_PORTS.get(2);
  static final int SESSIONS_PER_NODE = 5;

  NetPartition net;
  ChaosFleet chaos;
  TlsStreamBackend live;
  final List<StreamingTlsSession> sessions = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    String unavailable = NetPartition.unavailable();
    Assumptions.assumeTrue(unavailable == null, unavailable);
    net = NetPartition.create();
    chaos = ChaosFleet.start(net);
    live = TlsStreamBackend.start("::1", TestTls.TENANT_A);
  }

  @AfterEach
  void stop() {
    StreamingTlsSession.closeAll(sessions);
    if (live != null) {
      live.close();
    }
    try {
      if (chaos != null) {
        chaos.close();
      }
    } finally {
      if (net != null) {
        net.close();
      }
    }
  }

  @Test
  void bothSidesOfAHealedPartitionConvergeOnTheNewestSnapshotUnderOneLeader() throws Exception {
    List<Integer> all = List.of(0, 1, 2);
    chaos.addRoute("rt_old", "old.example.com", ChaosFleet.ROUTE_PORTS.get(0), 9443);
    chaos.awaitListed("rt_old", true, all);
    assertThat(chaos.leader(2)).isEqualTo("node-0");
    chaos.addRoute("rt_live", TestTls.TENANT_A, PORT_LIVE, live.port());
    List<Integer> majority = List.of(0, 1); // node 2's listeners are out of the test's reach
    Await.until("rt_live served by the majority's nodes", ChaosFleet.CONVERGED,
        () -> majority.stream().allMatch(i -> chaos.serves(i, PORT_LIVE, TestTls.TENANT_A)), () -> "");
    for (int node : majority) {
      for (int k = 0; k < SESSIONS_PER_NODE; k++) {
        sessions.add(chaos.stream(node, PORT_LIVE, TestTls.TENANT_A));
      }
    }
    sessions.forEach(s -> s.awaitMoreRoundTrips("before the cut", 5));

    try (ChaosWatch watch = new ChaosWatch(chaos)) {
      long t0 = System.nanoTime();
      net.cut();
      chaos.cpLink.cut(); // the majority side cannot sync: only the cut-off node learns what follows
      watch.deleted("rt_old", ChaosFleet.ROUTE_PORTS.get(0), "old.example.com");
      Await.until("two sides: {node-0, node-1} led by node-0, node-2 alone leading itself", ChaosFleet.CONVERGED,
          () -> chaos.fleet.members(0) == 2 && chaos.fleet.members(1) == 2 && chaos.fleet.members(2) == 1
              && "node-2".equals(chaos.leader(2)) && "node-0".equals(chaos.leader(1)), () -> chaos.describe(watch));
      System.out.println("[PartitionIT] cut -> two sides in " + ChaosFleet.ms(t0) + " ms");
      chaos.deleteRoute("rt_old");
      chaos.addRoute("rt_new", "new.example.com", ChaosFleet.ROUTE_PORTS.get(1), 9443);
      chaos.awaitListed("rt_new", true, List.of(2));
      chaos.awaitListed("rt_old", false, List.of(2));
      assertThat(List.of(0, 1).stream().map(chaos::routeIds).toList()).as("the majority side is behind")
          .allMatch(ids -> ids.contains("rt_old") && !ids.contains("rt_new"));

      long healed = System.nanoTime();
      net.heal(); // the majority's control-plane link stays cut: the newer table can only come from node-2's side
      Await.until("one merged cluster led by node-0, node-2 following, the newest table everywhere",
          ChaosFleet.CONVERGED, () -> IntStream.range(0, 3).allMatch(i -> chaos.fleet.members(i) == 3
              && "node-0".equals(chaos.leader(i)) && chaos.converged(i, 3) && chaos.lists(i, "rt_new")
              && chaos.lacks(i, "rt_old")) && chaos.following(2) && !chaos.following(0) && chaos.following(1),
          () -> chaos.describe(watch));
      System.out.println("[PartitionIT] heal -> merged and converged on the newer side's table in "
          + ChaosFleet.ms(healed) + " ms");

      chaos.cpLink.restore();
      long t1 = System.nanoTime();
      chaos.addRoute("rt_later", "later.example.com", ChaosFleet.ROUTE_PORTS.get(2), 9443);
      chaos.awaitListed("rt_later", true, all);
      System.out.println("[PartitionIT] change after the merge on all 3 nodes in " + ChaosFleet.ms(t1) + " ms");
      assertThat(chaos.following(2)).isTrue();
      assertThat(watch.violations()).isEmpty();
    }
    sessions.forEach(s -> s.awaitMoreRoundTrips("after the merge", 5));
    List<String> dropped = StreamingTlsSession.finishAll(sessions,
        "PartitionIT", "sessions through the majority's nodes");
    assertThat(dropped).as("sessions through the majority's nodes that dropped").isEmpty();
  }
}
