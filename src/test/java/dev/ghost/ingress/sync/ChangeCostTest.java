package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.ghost.ingress.route.Backend;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: the cost of one change must not grow with the table. The incremental content hash and the delta taken
 * from the keys a change touched must give exactly what a from-scratch hash and a whole-map diff give (random
 * event sequences), and one change at 10 000 routes must hash, compare and allocate as much as at 100 (counted,
 * not timed).
 */
class ChangeCostTest {

  @Test
  void theIncrementalHashIsTheFromScratchHashAfterRandomEvents() {
    Random rnd = new Random(1111);
    for (int round = 0; round < 300; round++) {
      ControlPlaneState s = ControlPlaneState.EMPTY;
      for (int batch = 0; batch < 1 + rnd.nextInt(6); batch++) {
        s = step(rnd, s);
        ControlPlaneState scratch = fromScratch(s);
        assertThat(s.contentHash()).as("round %d batch %d", round, batch).isEqualTo(scratch.contentHash());
        assertThat(s.sameContent(scratch)).isTrue();
      }
    }
  }

  @Test
  void differentContentHasADifferentHash() {
    Random rnd = new Random(2222);
    for (int round = 0; round < 300; round++) {
      ControlPlaneState a = step(rnd, step(rnd, ControlPlaneState.EMPTY));
      ControlPlaneState b = step(rnd, a);
      assertThat(a.contentHash().equals(b.contentHash())).as("round %d", round).isEqualTo(a.sameContent(b));
    }
  }

  @Test
  void theDeltaOfTheTouchedKeysIsTheWholeMapDiff() {
    Random rnd = new Random(3333);
    int tracked = 0;
    for (int round = 0; round < 300; round++) {
      ControlPlaneState a = step(rnd, step(rnd, ControlPlaneState.EMPTY));
      ControlPlaneState b = a;
      for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
        b = step(rnd, b);
      }
      if (ControlPlaneState.changedKeys(a, b) != null) {
        tracked++;
      }
      StateDelta delta = StateDelta.diff(a, b);
      assertThat(delta.toJson()).as("round %d", round).isEqualTo(StateDelta.fullDiff(a, b).toJson());
      ControlPlaneState applied = delta.applyTo(a);
      assertThat(applied).as("round %d", round).isEqualTo(fromScratch(b));
      assertThat(applied.contentHash()).isEqualTo(b.contentHash());
    }
    assertThat(tracked).as("rounds whose delta came from the touched keys").isEqualTo(300);
  }

  @Test
  void oneChangeAtTenThousandRoutesCostsWhatItCostsAtOneHundred() {
    Cost small = oneChange(100);
    Cost large = oneChange(10_000);
    // the patch: the route's old and new value, its backend set moved to the new port (old and new); the fetch:
    // the set again (old and new); a follower: the route and the set. At any size.
    assertThat(large.leaderHashed).isEqualTo(small.leaderHashed).isLessThanOrEqualTo(6);
    assertThat(large.followerHashed).isEqualTo(small.followerHashed).isLessThanOrEqualTo(4);
    assertThat(large.keysCompared).isEqualTo(small.keysCompared).isLessThanOrEqualTo(4);
    assertThat(large.deltaBytes).as("longer route ids, not more entries").isLessThan(small.deltaBytes + 64);
    // a copy of the 10 000-route maps allocates megabytes; the change itself a few tens of KiB
    assumeThat(large.allocatedBytes).as("thread allocation counter supported").isNotNegative();
    assertThat(large.allocatedBytes).isLessThan(512 * 1024);
  }

  @Test
  void aLongRunningNodeKeepsABoundedChainAndStillDiffsEachChangeByItsKeys() {
    ControlPlaneState first = SyncAtScaleTest.state(100, 9443);
    ControlPlaneState s = first;
    for (int i = 0; i < 3 * ControlPlaneState.MAX_LINEAGE; i++) {
      ControlPlaneState previous = s;
      s = s.withBackends("rt_" + i % 100, List.of(new Backend("fd00::9", 9000 + i)));
      assertThat(ControlPlaneState.changedKeys(previous, s)).as("change %d", i).isNotNull();
    }
    int strong = 0;
    for (ControlPlaneState at = s; at.lineage() != null && at.lineage().parent() instanceof ControlPlaneState p;
        at = p) {
      strong++;
    }
    assertThat(strong).as("ancestors held strongly").isLessThanOrEqualTo(ControlPlaneState.MAX_LINEAGE);
    // further back than the chain: a whole-map diff, still exact
    assertThat(StateDelta.diff(first, s).applyTo(first)).isEqualTo(fromScratch(s));
  }

  private record Cost(long leaderHashed, long followerHashed, int keysCompared, int deltaBytes,
      long allocatedBytes) {}

  /** One route's backend port changed and its backends refetched, on an {@code n}-route state. */
  private static Cost oneChange(int n) {
    ControlPlaneState base = SyncAtScaleTest.state(n, 9443);
    String id = "rt_" + n / 2;
    oneStep(base, id, 9500); // warm-up: class loading and the first JIT allocations are not the change's
    long before = allocatedBytes();
    ControlPlaneState[] steps = oneStep(base, id, 9444);
    long allocated = allocatedBytes() - before;
    ControlPlaneState next = steps[1];
    StateDelta delta = StateDelta.diff(base, next);
    ControlPlaneState follower = delta.applyTo(base);
    assertThat(follower.contentHash()).isEqualTo(next.contentHash());
    int compared = ControlPlaneState.changedKeys(base, next).values().stream().mapToInt(Set::size).sum();
    return new Cost(steps[0].entriesHashed() + next.entriesHashed(), follower.entriesHashed(), compared,
        delta.toJson().encode().length(), before < 0 ? -1 : allocated);
  }

  private static ControlPlaneState[] oneStep(ControlPlaneState base, String id, int port) {
    ControlPlaneState applied = base.apply(List.of(new CpEvent.RouteUpdated(base.cursor() + 1, id,
        new RoutePatch(null, port, null, null, null, null)))).next();
    ControlPlaneState fetched = applied.withBackends(id, List.of(new Backend("fd00::1", port),
        new Backend("fd00::3", port)));
    StateDelta.diff(base, fetched).toJson().encode();
    fetched.contentHash();
    fetched.sameContent(base);
    return new ControlPlaneState[] {applied, fetched};
  }

  private static long allocatedBytes() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
      return t.getCurrentThreadAllocatedBytes();
    }
    return -1;
  }

  /** The same state rebuilt from its parts: every entry hashed again, no lineage. */
  static ControlPlaneState fromScratch(ControlPlaneState s) {
    return ControlPlaneState.restore(s.cursor(), new HashMap<>(s.routes()), new HashMap<>(s.envBindings()),
        new HashMap<>(s.backends()), new HashMap<>(s.fieldVersions()), new HashMap<>(s.envEventIds()),
        new HashMap<>(s.tombstones()), new ArrayList<>(s.appliedIds()));
  }

  /** One random batch of events (creations, patches, deletions, env IPv4, replays) or backend fetch. */
  static ControlPlaneState step(Random rnd, ControlPlaneState s) {
    if (rnd.nextInt(4) == 0 && !s.routes().isEmpty()) {
      Map<String, List<Backend>> sets = new HashMap<>();
      for (String id : s.routes().keySet()) {
        if (rnd.nextInt(3) == 0) {
          sets.put(id, List.of(new Backend("fd00::" + rnd.nextInt(5), 9000 + rnd.nextInt(3)),
              new Backend("fd00::" + rnd.nextInt(5), 9000)));
        }
      }
      return s.withBackends(sets);
    }
    List<CpEvent> batch = new ArrayList<>();
    for (int i = 0; i < 1 + rnd.nextInt(8); i++) {
      batch.add(event(rnd, s.cursor() + 1 + rnd.nextInt(12) - 3));
    }
    return s.apply(batch).next();
  }

  private static CpEvent event(Random rnd, long id) {
    long eventId = Math.max(1, id);
    String route = "rt_" + rnd.nextInt(12);
    String env = "env_" + rnd.nextInt(4);
    return switch (rnd.nextInt(7)) {
      case 0, 1 -> new CpEvent.RouteCreated(eventId, ControlPlaneStateTest.route(route, env,
          route + ".example.com", 443, eventId));
      case 2 -> new CpEvent.RouteUpdated(eventId, route, new RoutePatch(rnd.nextBoolean() ? "worker" : null,
          rnd.nextBoolean() ? 8000 + rnd.nextInt(3) : null, rnd.nextBoolean() ? rnd.nextBoolean() : null, null,
          null, rnd.nextInt(3) == 0 ? "198.51.100." + rnd.nextInt(3) : null));
      case 3 -> new CpEvent.RouteDeleted(eventId, route);
      case 4 -> new CpEvent.EnvIpv4Enabled(eventId, env, rnd.nextBoolean() ? "app_1" : null,
          "203.0.113." + rnd.nextInt(3));
      case 5 -> new CpEvent.EnvIpv4Disabled(eventId, env, null);
      default -> new CpEvent.Ignored(eventId, "noise");
    };
  }
}
