package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The poll delay rules: interval, read-on when behind, stretched while streaming, backoff after failures. */
class PollScheduleTest {

  static final long BASE = 1_000;

  @Test
  void aSuccessfulPollWaitsTheInterval() {
    assertThat(new PollSchedule(BASE).next(true, false)).isEqualTo(BASE);
  }

  @Test
  void aReadCutByItsByteBudgetReadsOnAtOnce() {
    PollSchedule schedule = new PollSchedule(BASE);
    schedule.behind(true);
    assertThat(schedule.next(true, false)).isZero();
    schedule.behind(false);
    assertThat(schedule.next(true, false)).isEqualTo(BASE);
  }

  @Test
  void whileStreamingPollsOnlyHealGapsEveryFiveSecondsAtLeast() {
    assertThat(new PollSchedule(BASE).next(true, true)).isEqualTo(5_000);
    assertThat(new PollSchedule(9_000).next(true, true)).isEqualTo(9_000);
  }

  @Test
  void failuresBackOffExponentiallyWithJitterUpToThirtySeconds() {
    PollSchedule schedule = new PollSchedule(BASE);
    for (int failures = 1; failures <= 20; failures++) {
      long capped = Math.min(30_000, BASE << Math.min(failures, 16));
      assertThat(schedule.next(false, false)).as("after %d failures", failures).isBetween(capped / 2, capped);
      assertThat(schedule.failing()).isTrue();
    }
    assertThat(schedule.next(true, false)).isEqualTo(BASE);
    assertThat(schedule.failing()).isFalse();
  }
}
