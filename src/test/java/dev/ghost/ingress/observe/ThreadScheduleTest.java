package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadScheduleTest {

  private static final long MS = 1_000_000;

  @Test
  void parsesTheFirstTwoFieldsOfASchedstatLine() {
    assertThat(ThreadSchedule.parse("1793351 485321 17\n")).isEqualTo(new ThreadSchedule.Sample(1793351, 485321));
    assertThat(ThreadSchedule.parse("12 0")).isEqualTo(new ThreadSchedule.Sample(12, 0));
  }

  @Test
  void refusesWhatIsNotASchedstatLine() {
    assertThat(ThreadSchedule.parse("")).isNull();
    assertThat(ThreadSchedule.parse("12")).isNull();
    assertThat(ThreadSchedule.parse("a b c")).isNull();
    assertThat(ThreadSchedule.parse("-1 2 3")).isNull();
    assertThat(ThreadSchedule.parse("99999999999999999999 2 3")).isNull();
  }

  /** A thread that spins is running or waiting for a core the whole time; one that sleeps is neither. */
  @Test
  void tellsRunningAndQueuedFromSleeping() throws Exception {
    try (ThreadSchedule self = ThreadSchedule.ofCurrentThread()) {
      assumeTrue(self != null, "no per-thread scheduler statistics on this system");
      ThreadSchedule.Sample before = self.read();
      long end = System.nanoTime() + 60 * MS;
      while (System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      ThreadSchedule.Sample spun = self.read();
      // the running task's time is brought up to date at scheduler ticks: allow two of the slowest (100 Hz)
      assertThat(spun.ranNanos() - before.ranNanos() + spun.queuedNanos() - before.queuedNanos())
          .isGreaterThanOrEqualTo(40 * MS);

      TimeUnit.MILLISECONDS.sleep(60); // the thread blocked, as a loop stuck in a blocking call is
      ThreadSchedule.Sample slept = self.read();
      assertThat(slept.ranNanos() - spun.ranNanos()).isLessThan(30 * MS);
    }
  }

  @Test
  void aClosedScheduleReadsNothing() {
    ThreadSchedule self = ThreadSchedule.ofCurrentThread();
    assumeTrue(self != null, "no per-thread scheduler statistics on this system");
    self.close();
    assertThat(self.read()).isNull();
  }
}
