package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.StreamingTlsSession;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TlsStreamBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The syncing leader of a 3-node jar fleet is frozen for 30 s (SIGSTOP, as a GC pause or a frozen VM would): the
 * others elect a new leader and take a route deletion and a new route from the control plane meanwhile. After
 * SIGCONT the woken node merges back, follows the new leader (sync state {@code following}) and serves the fleet's
 * newest table; {@code /v1/fleet} names the one leader on every node. Throughout, no node's cursor goes backwards
 * and the deleted route, once gone from a node, never serves there again (real TLS connections and admin views),
 * and not one of the long-lived TLS sessions streaming through the healthy nodes on a route that stays drops.
 */
class PausedLeaderIT {

  static final Duration PAUSE = Duration.ofSeconds(30);
  static final int PORT_GONE = ChaosFleet.ROUTE_PORTS.get(0);
  static final int PORT_NEW = ChaosFleet.ROUTE_PORTS.get(1);
  static final int PORT_LATER = ChaosFleet.ROUTE_PORTS.get(2);
  /** The route the sessions stream through: another name on a port in use, never changed. */
  static final int PORT_LIVE = PORT_LATER;
  static final int SESSIONS_PER_NODE = 5;
  /** What a leader logs for each version it publishes to the routing log (with its cursor). */
  static final List<String> PUBLISHED = List.of("fleet: delta published", "fleet: base snapshot written");

  ChaosFleet chaos;
  TlsStreamBackend gone;
  TlsStreamBackend fresh;
  TlsStreamBackend live;
  final List<StreamingTlsSession> sessions = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    chaos = ChaosFleet.start();
    gone = TlsStreamBackend.start("::1", TestTls.TENANT_A);
    fresh = TlsStreamBackend.start("::1", TestTls.TENANT_B);
    live = TlsStreamBackend.start("::1", TestTls.TENANT_A);
  }

  @AfterEach
  void stop() {
    StreamingTlsSession.closeAll(sessions);
    if (live != null) {
      live.close();
    }
    if (chaos != null) {
      chaos.close();
    }
    if (gone != null) {
      gone.close();
    }
    if (fresh != null) {
      fresh.close();
    }
  }

  @Test
  void aLeaderWokenAfterThirtySecondsFollowsTheNewestSnapshotAndNeverResurrectsADeletedRoute() throws Exception {
    List<Integer> all = List.of(0, 1, 2);
    chaos.addRoute("rt_gone", TestTls.TENANT_A, PORT_GONE, gone.port());
    chaos.addRoute("rt_live", TestTls.TENANT_A, PORT_LIVE, live.port());
    Await.until("rt_gone and rt_live served by every node", ChaosFleet.CONVERGED,
        () -> all.stream().allMatch(i -> chaos.serves(i, PORT_GONE, TestTls.TENANT_A)
            && chaos.serves(i, PORT_LIVE, TestTls.TENANT_A)), () -> "");
    for (int node : List.of(1, 2)) {
      for (int k = 0; k < SESSIONS_PER_NODE; k++) {
        sessions.add(chaos.stream(node, PORT_LIVE, TestTls.TENANT_A));
      }
    }
    sessions.forEach(s -> s.awaitMoreRoundTrips("before the pause", 5));
    assertThat(chaos.leader(1)).isEqualTo("node-0");
    assertThat(chaos.sync(1).getString("state")).isEqualTo("following");

    try (ChaosWatch watch = new ChaosWatch(chaos)) {
      long t0 = System.nanoTime();
      long stoppedAtMs = System.currentTimeMillis();
      watch.pause(0);
      chaos.signal(0, "STOP");
      watch.deleted("rt_gone", PORT_GONE, TestTls.TENANT_A);
      Await.until("the survivors see 2 members", ChaosFleet.CONVERGED,
          () -> chaos.fleet.members(1) == 2 && chaos.fleet.members(2) == 2,
          () -> survivorsSince(stoppedAtMs));
      chaos.deleteRoute("rt_gone");
      chaos.addRoute("rt_new", TestTls.TENANT_B, PORT_NEW, fresh.port());
      Await.until("the survivors agree on a new leader, serve rt_new and dropped rt_gone", ChaosFleet.CONVERGED,
          () -> {
            String leader = chaos.leader(1); // read once: a view between two reads may name none yet
            return List.of(1, 2).stream().allMatch(i -> chaos.serves(i, PORT_NEW, TestTls.TENANT_B)
                && watch.dropped(i)) && ("node-1".equals(leader) || "node-2".equals(leader))
                && leader.equals(chaos.leader(2));
          }, () -> "leaders " + chaos.leader(1) + "/" + chaos.leader(2));
      System.out.println("[PausedLeaderIT] leader stopped -> survivors on the new table in " + ChaosFleet.ms(t0)
          + " ms; leader now " + chaos.leader(1));
      Await.until("node-0 stopped for " + PAUSE, PAUSE.plusSeconds(5),
          () -> System.nanoTime() - t0 >= PAUSE.toNanos() && watch.violations().isEmpty(),
          () -> String.valueOf(watch.violations()));

      // the fleet's version when node-0 wakes: whatever node-0 publishes from now on must not be older
      long fleetCursor = chaos.sync(1).getLong("cursor");
      long woke = System.nanoTime();
      long wokeAtMs = System.currentTimeMillis();
      chaos.signal(0, "CONT");
      watch.resume(0);
      // one leader all three agree on, never the woken node (it rejoins as the youngest member); which survivor
      // leads is Hazelcast's member order after the merge, not something the fleet promises
      Await.until("the woken node merged back, following the survivors' leader with the newest table",
          ChaosFleet.CONVERGED, () -> IntStream.range(0, 3).allMatch(i -> chaos.fleet.members(i) == 3
              && chaos.converged(i, 3)) && agreedLeader().filter(l -> !l.equals("node-0")).isPresent()
              && chaos.following(0) && watch.dropped(0) && chaos.serves(0, PORT_NEW, TestTls.TENANT_B),
          () -> chaos.describe(watch));
      String leader = agreedLeader().orElseThrow();
      int leaderIndex = leader.equals("node-1") ? 1 : 2;
      System.out.println("[PausedLeaderIT] SIGCONT -> merged, following, newest table in " + ChaosFleet.ms(woke)
          + " ms; deleted route gone from the woken node after "
          + (watch.droppedAt(0) - woke) / 1_000_000 + " ms");

      List<LogTimeline.Entry> woken = LogTimeline.since(chaos, wokeAtMs, List.of(0), LogTimeline::failoverLine);
      LogTimeline.print("PausedLeaderIT", woken.stream().filter(e -> e.atMs() <= 10_000).toList());
      List<LogTimeline.Entry> published = woken.stream().filter(e -> PUBLISHED.contains(e.line().getString("msg")))
          .toList();
      System.out.println("[PausedLeaderIT] versions node-0 published after SIGCONT: " + published.size()
          + " (the fleet was at cursor " + fleetCursor + ")");
      assertThat(published).as("versions the woken node published older than the fleet's (cursor %d)", fleetCursor)
          .noneMatch(e -> e.line().getLong("cursor") < fleetCursor);
      // the merged fleet keeps syncing from its one leader, and the woken node keeps following
      long t1 = System.nanoTime();
      chaos.addRoute("rt_later", TestTls.TENANT_B, PORT_LATER, fresh.port());
      Await.until("rt_later served by every node", ChaosFleet.CONVERGED,
          () -> all.stream().allMatch(i -> chaos.serves(i, PORT_LATER, TestTls.TENANT_B)), () -> chaos.describe(watch));
      System.out.println("[PausedLeaderIT] change after the merge on all 3 nodes in " + ChaosFleet.ms(t1) + " ms");
      for (int i : all) {
        assertThat(chaos.leader(i)).isEqualTo(leader);
        String state = chaos.sync(i).getString("state");
        // only the leader talks to the control plane
        assertThat(state.equals("following")).as("node-" + i + " sync " + state).isEqualTo(i != leaderIndex);
      }
      assertThat(chaos.fleet.node(0).process().stdout())
          .anyMatch(l -> l.contains("fleet: no longer the oldest member; following"));
      assertThat(watch.violations()).isEmpty();
      sessions.forEach(s -> s.awaitMoreRoundTrips("after the merge", 5));
      List<String> dropped = StreamingTlsSession.finishAll(sessions,
          "PausedLeaderIT", "sessions through the healthy nodes");
      assertThat(dropped).as("sessions through the healthy nodes that dropped").isEmpty();
    } finally {
      // what the woken node did, as an operator reads it: its fleet and sync lines, and Hazelcast's merge
      chaos.fleet.node(0).process().stdout().stream().filter(l -> l.contains("\"logger\":\"cluster.")
          || l.contains("\"logger\":\"sync.") || l.contains("clock jump") || l.contains("is merging"))
          .forEach(l -> System.out.println("[PausedLeaderIT] node-0: " + l));
    }
  }

  /**
   * What the survivors say when they do not agree on 2 members in time: their member counts, then their membership
   * and fleet lines and every warning since node-0 stopped (a blocked event loop answers no admin request).
   */
  private String survivorsSince(long stoppedAtMs) {
    List<LogTimeline.Entry> lines = LogTimeline.since(chaos, stoppedAtMs, List.of(1, 2),
        j -> LogTimeline.failoverLine(j) || !"INFO".equals(j.getString("level")));
    // one line, the latest 30 entries cut to 240 characters: the build's failure summary shows it whole
    return "members node-1=" + chaos.fleet.members(1) + " node-2=" + chaos.fleet.members(2) + " | "
        + String.join(" | ", lines.subList(Math.max(0, lines.size() - 30), lines.size()).stream()
            .map(e -> e.toString().substring(0, Math.min(240, e.toString().length()))).toList());
  }

  /** The leader every node names, if they all name the same one. */
  private java.util.Optional<String> agreedLeader() {
    String first = chaos.leader(0);
    return first != null && IntStream.range(1, 3).allMatch(i -> first.equals(chaos.leader(i)))
        ? java.util.Optional.of(first) : java.util.Optional.empty();
  }
}
