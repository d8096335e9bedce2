package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The freeze watch on a hand-moved monotonic clock: what counts as a freeze, and when the fence ends. */
class PauseFenceTest {

  static final long MS = 1_000_000;

  final AtomicLong clock = new AtomicLong(123 * MS);
  final PauseFence fence = new PauseFence(2_500, 5_000, 15_000, clock::get);

  /** A beat {@code ms} after the last one, of a node leading. */
  long after(long ms) {
    return after(ms, true);
  }

  long after(long ms, boolean leading) {
    clock.addAndGet(ms * MS);
    return fence.beat(leading);
  }

  @Test
  void regularBeatsAndSlowOnesShorterThanTheLimitAreNoFreeze() {
    for (int i = 0; i < 20; i++) {
      assertThat(after(250)).isEqualTo(-1);
    }
    assertThat(after(2_500)).as("exactly the limit").isEqualTo(-1);
    assertThat(fence.fenced()).isFalse();
  }

  @Test
  void aFreezeTheFleetDidNotReactToIsFencedUntilItWouldHaveNoticed() {
    after(250);
    assertThat(after(3_000)).isEqualTo(3_000);
    assertThat(after(250)).as("reported once").isEqualTo(-1);
    for (long held = 250; held < 5_000; held += 250) {
      after(250);
      assertThat(fence.fenced()).as("fenced %d ms after the freeze", held + 250).isEqualTo(held + 250 <= 5_000);
    }
    after(250);
    assertThat(fence.fenced()).isFalse();
  }

  @Test
  void aFreezeAfterWhichTheMembershipChangedIsFencedUntilTheHoldEnds() {
    after(250);
    assertThat(after(30_000)).isEqualTo(30_000);
    assertThat(fence.fenced()).isTrue();
    after(250);
    fence.membersChanged();
    for (long held = 250; held < 15_000; held += 250) {
      after(250);
      assertThat(fence.fenced()).as("fenced %d ms after the freeze", held + 250).isEqualTo(held + 250 <= 15_000);
    }
    after(250);
    assertThat(fence.fenced()).isFalse();
  }

  @Test
  void rejoiningLiftsTheFenceAndALaterFreezeRaisesItAgain() {
    after(10_000);
    fence.membersChanged();
    assertThat(fence.fenced()).isTrue();
    fence.lift();
    assertThat(fence.fenced()).isFalse();
    assertThat(after(250)).isEqualTo(-1);
    assertThat(fence.fenced()).isFalse();
    assertThat(after(3_000)).isEqualTo(3_000);
    assertThat(fence.fenced()).isTrue();
    for (int i = 0; i < 21; i++) {
      after(250);
    }
    assertThat(fence.fenced()).as("a new freeze forgets the last one's membership change").isFalse();
  }

  @Test
  void aFollowersFreezeIsReportedButNotFenced() {
    after(250, false);
    assertThat(after(30_000, false)).as("reported like a leader's").isEqualTo(30_000);
    assertThat(fence.fenced()).as("a follower published nothing: nothing to fence").isFalse();
    assertThat(after(250, true)).as("elected right after").isEqualTo(-1);
    assertThat(fence.fenced()).as("a new leader that merely stalled is not held back").isFalse();
  }

  @Test
  void aFreezeWhileFollowingEndsTheFenceOfAnEarlierOneWhileLeading() {
    assertThat(after(3_000, true)).isEqualTo(3_000);
    fence.membersChanged();
    assertThat(fence.fenced()).isTrue();
    assertThat(after(3_000, false)).as("frozen again, now following").isEqualTo(3_000);
    assertThat(fence.fenced()).isFalse();
  }
}
