package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.StreamingTlsSession;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TlsStreamBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The syncing leader of a 3-node jar fleet is SIGKILLed while long-lived TLS sessions stream data through every
 * node to a real echoing backend: not one session through a survivor drops, the survivors elect a new leader among
 * themselves, and a route created at the control plane right after the kill serves on both survivors (failover
 * time and the survivors' log timeline printed; the deadline is a generous bound, and under {@code -Pchaos} the
 * failover budget of docs/clustering.md is asserted).
 */
class KilledLeaderIT {

  static final int SESSIONS_PER_NODE = 10;
  static final int PORT_LIVE = ChaosFleet.ROUTE_PORTS.get(0);
  static final int PORT_NEW = ChaosFleet.ROUTE_PORTS.get(1);
  /**
   * The failover budget, asserted only under {@code -Pchaos} (it sets this property): a timing bound that a loaded
   * shared CI machine exceeds now and then; the default build asserts the generous deadline only.
   */
  static final Long FAILOVER_BUDGET_MS = Long.getLong("ghost.chaos.failover_budget_ms");

  ChaosFleet chaos;
  TlsStreamBackend live;
  TlsStreamBackend fresh;
  final List<StreamingTlsSession> sessions = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    chaos = ChaosFleet.start();
    live = TlsStreamBackend.start("::1", TestTls.TENANT_A);
    fresh = TlsStreamBackend.start("::1", TestTls.TENANT_B);
  }

  @AfterEach
  void stop() {
    StreamingTlsSession.closeAll(sessions);
    if (chaos != null) {
      chaos.close();
    }
    if (live != null) {
      live.close();
    }
    if (fresh != null) {
      fresh.close();
    }
  }

  @Test
  void survivorsKeepEverySessionAndTakeTheNextChangeAfterTheLeaderIsKilled() throws Exception {
    chaos.addRoute("rt_live", TestTls.TENANT_A, PORT_LIVE, live.port());
    Await.until("rt_live served by every node", ChaosFleet.CONVERGED,
        () -> List.of(0, 1, 2).stream().allMatch(i -> chaos.serves(i, PORT_LIVE, TestTls.TENANT_A)), () -> "");
    assertThat(chaos.leader(1)).isEqualTo("node-0");
    List<StreamingTlsSession> onLeader = open(0, 3);
    List<StreamingTlsSession> onSurvivors = new ArrayList<>(open(1, SESSIONS_PER_NODE));
    onSurvivors.addAll(open(2, SESSIONS_PER_NODE));
    onSurvivors.forEach(s -> s.awaitMoreRoundTrips("before the kill", 5));

    long t0 = System.nanoTime();
    long killedAtMs = System.currentTimeMillis();
    chaos.fleet.kill(0);
    chaos.addRoute("rt_new", TestTls.TENANT_B, PORT_NEW, fresh.port());
    Await.until("rt_new served by both survivors", ChaosFleet.CONVERGED,
        () -> List.of(1, 2).stream().allMatch(i -> chaos.serves(i, PORT_NEW, TestTls.TENANT_B)),
        () -> "leaders " + chaos.leader(1) + "/" + chaos.leader(2) + "\n" + chaos.fleet.describe());
    long failover = ChaosFleet.ms(t0);
    System.out.println("[KilledLeaderIT] SIGKILL of the leader -> new route served on both survivors in "
        + failover + " ms");
    LogTimeline.print("KilledLeaderIT", LogTimeline.since(chaos, killedAtMs, List.of(1, 2), LogTimeline::failoverLine)
        .stream().filter(e -> e.atMs() <= failover + 500).toList());
    if (FAILOVER_BUDGET_MS != null) {
      assertThat(failover).as("ms from the SIGKILL to the next route served on both survivors")
          .isLessThan(FAILOVER_BUDGET_MS);
    }

    Await.until("both survivors name the same one of them leader; only it syncs", ChaosFleet.CONVERGED,
        () -> {
          String leader = chaos.leader(1);
          int other = "node-1".equals(leader) ? 2 : 1;
          return ("node-1".equals(leader) || "node-2".equals(leader)) && leader.equals(chaos.leader(2))
              && syncState(other).equals("following") && !syncState(3 - other).equals("following");
        },
        () -> chaos.fleetView(1) + " / " + chaos.fleetView(2) + " sync " + syncState(1) + "/" + syncState(2));
    onSurvivors.forEach(s -> s.awaitMoreRoundTrips("after the kill", 5));
    onLeader.forEach(s -> s.awaitCut(ChaosFleet.CONVERGED));
    List<String> dropped = StreamingTlsSession.finishAll(onSurvivors,
        "KilledLeaderIT", "sessions through the survivors");
    assertThat(dropped).as("sessions through the survivors that dropped").isEmpty();
  }

  private String syncState(int i) {
    var sync = chaos.sync(i);
    return sync == null ? "?" : String.valueOf(sync.getString("state"));
  }

  private List<StreamingTlsSession> open(int node, int n) throws Exception {
    List<StreamingTlsSession> opened = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      StreamingTlsSession s = chaos.stream(node, PORT_LIVE, TestTls.TENANT_A);
      sessions.add(s);
      opened.add(s);
    }
    return opened;
  }
}
