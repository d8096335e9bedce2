package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IdleTimeoutTest {

  /** Timers that run only when the test says so. */
  static final class ManualTimers implements IdleTimeout.Scheduler {
    final List<Long> delays = new ArrayList<>();
    final List<Runnable> tasks = new ArrayList<>();
    int cancelled;

    @Override
    public Runnable schedule(long delayNanos, Runnable task) {
      delays.add(delayNanos);
      tasks.add(task);
      return () -> cancelled++;
    }

    void runLast() {
      tasks.get(tasks.size() - 1).run();
    }
  }

  final ManualTimers timers = new ManualTimers();
  final AtomicInteger fired = new AtomicInteger();

  @Test
  void noTimeoutMeansNoTimer() {
    new IdleTimeout(Duration.ZERO, timers, fired::incrementAndGet).start();
    assertThat(timers.tasks).isEmpty();
  }

  @Test
  void aTimerThatComesDueBeforeTheTimeoutReArmsForTheRestInsteadOfFiring() {
    IdleTimeout idle = new IdleTimeout(Duration.ofDays(1), timers, fired::incrementAndGet);
    idle.start();
    assertThat(timers.delays).hasSize(1);
    assertThat(timers.delays.get(0)).isLessThanOrEqualTo(Duration.ofDays(1).toNanos())
        .isGreaterThan(Duration.ofDays(1).minusMinutes(1).toNanos());
    timers.runLast(); // early: the day has not passed
    assertThat(fired).hasValue(0);
    assertThat(timers.delays).hasSize(2);
  }

  @Test
  void firesOnceTheTimeoutHasPassedWithoutActivity() throws Exception {
    IdleTimeout idle = new IdleTimeout(Duration.ofNanos(1), timers, fired::incrementAndGet);
    idle.start();
    long t0 = System.nanoTime();
    while (System.nanoTime() == t0) {
      Thread.onSpinWait(); // at least one nanosecond of silence
    }
    timers.runLast();
    assertThat(fired).hasValue(1);
    assertThat(timers.tasks).hasSize(1);
  }

  @Test
  void stoppedItCancelsItsTimerAndNeverFires() {
    IdleTimeout idle = new IdleTimeout(Duration.ofNanos(1), timers, fired::incrementAndGet);
    idle.start();
    idle.stop();
    assertThat(timers.cancelled).isEqualTo(1);
    timers.runLast(); // a timer that raced the cancel
    assertThat(fired).hasValue(0);
  }
}
