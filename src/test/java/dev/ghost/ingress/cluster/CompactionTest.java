package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** When the leader rewrites the base: in proportion to its size, or when it grows old, never without deltas. */
class CompactionTest {

  static final long BASE_AT = 1_000_000;

  private static FleetHead head(long deltas, long logChars, long baseChars) {
    return new FleetHead(10 + deltas, 50, "h", BASE_AT, "node-0", 10, 40, "b", BASE_AT, 1, logChars, baseChars);
  }

  @Test
  void aBaseIsDueOnceTheDeltasAfterItAddUpToHalfItsSize() {
    assertThat(Compaction.due(head(3_000, 49_999, 100_000), BASE_AT)).as("just below half").isFalse();
    assertThat(Compaction.due(head(3_000, 50_000, 100_000), BASE_AT)).as("half").isTrue();
    assertThat(Compaction.due(head(1, 60_000, 100_000), BASE_AT)).as("one large delta").isTrue();
  }

  @Test
  void aBaseIsDueWhenOldWithDeltasAfterItOrOfUnknownSizeButNeverWithoutDeltas() {
    assertThat(Compaction.due(head(1, 10, 100_000), BASE_AT + Compaction.MAX_BASE_AGE_MS - 1)).isFalse();
    assertThat(Compaction.due(head(1, 10, 100_000), BASE_AT + Compaction.MAX_BASE_AGE_MS)).isTrue();
    assertThat(Compaction.MAX_BASE_AGE_MS).as("well within the deltas' expiry")
        .isLessThanOrEqualTo(FleetLog.DELTA_TTL_SECONDS * 1_000 / 2);
    assertThat(Compaction.due(head(1, 10, 0), BASE_AT)).as("a head of an older version").isTrue();
    assertThat(Compaction.due(head(0, 0, 100_000), BASE_AT + 10 * Compaction.MAX_BASE_AGE_MS)).isFalse();
    assertThat(Compaction.due(head(0, 0, 0), BASE_AT)).isFalse();
  }

  @Test
  void aFollowerWithOtherHashesGetsABaseEveryThirtySecondsWhileDeltasFollowANodeMerelyBehindNever() {
    FleetHead h = head(5, 500, 100_000); // head at cursor 50 hash "h", base at cursor 40 hash "b"
    long later = BASE_AT + Compaction.OTHER_HASHES_BASE_AFTER_MS;
    FleetEntry otherFormula = new FleetEntry("node-2", "m2", 40, "b-of-another-formula", BASE_AT);
    FleetEntry behind = new FleetEntry("node-1", "m1", 40, "b", BASE_AT);
    FleetEntry atHead = new FleetEntry("node-1", "m1", 50, "h", BASE_AT);
    FleetEntry leader = new FleetEntry("node-0", "m0", 50, "x", BASE_AT);
    assertThat(Compaction.dueForOtherHashes(h, List.of(atHead, otherFormula), "node-0", later)).isTrue();
    assertThat(Compaction.dueForOtherHashes(h, List.of(atHead, otherFormula), "node-0", later - 1))
        .as("base younger than 30 s").isFalse();
    assertThat(Compaction.dueForOtherHashes(h, List.of(behind, atHead, leader), "node-0", later))
        .as("behind, or this leader's own entry").isFalse();
    assertThat(Compaction.dueForOtherHashes(head(0, 0, 100_000), List.of(otherFormula), "node-0", later))
        .as("no delta since the base: it has it").isFalse();
    assertThat(Compaction.mayBeDueForOtherHashes(h, later)).isTrue();
    assertThat(Compaction.mayBeDueForOtherHashes(h, later - 1)).isFalse();
  }
}
