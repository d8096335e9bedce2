package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The probe timer's wakeups are bounded by the time, not by the number of backends (one timer per backend woke the
 * event loop 400 times a second at 2 000 backends), and no probe starts before it is due or more than a tick after.
 * Simulated time: nothing here waits.
 */
class ProbeTimelineTest {

  private static final long TICK = ProbeScheduler.TICK_MS;
  private static final long INTERVAL = 5_000;

  /** What one simulated interval of the timer did. */
  private record Run(int wakeups, int started, long latestMs) {}

  /** {@code backends} due spread evenly over one interval; wakes the timeline as the scheduler's timer would. */
  private static Run oneInterval(int backends) {
    ProbeTimeline<Integer> timeline = new ProbeTimeline<>(TICK);
    Map<Integer, Long> dueAt = new HashMap<>();
    for (int i = 0; i < backends; i++) {
      long at = 1 + (INTERVAL * i) / backends;
      dueAt.put(i, at);
      timeline.add(i, at);
    }
    int wakeups = 0;
    int started = 0;
    long latest = 0;
    while (timeline.size() > 0) {
      long now = timeline.nextWakeMs();
      wakeups++;
      List<Integer> due = timeline.wake(now);
      for (int i : due) {
        assertThat(dueAt.get(i)).as("started before it was due").isLessThanOrEqualTo(now);
        latest = Math.max(latest, now - dueAt.get(i));
      }
      started += due.size();
    }
    return new Run(wakeups, started, latest);
  }

  @Test
  void wakeupsDoNotGrowWithTheBackends() {
    Run few = oneInterval(10);
    Run many = oneInterval(2_000);
    Run more = oneInterval(20_000);
    assertThat(few.started()).isEqualTo(10);
    assertThat(many.started()).isEqualTo(2_000);
    assertThat(more.started()).isEqualTo(20_000);
    assertThat(few.wakeups()).isEqualTo(10); // few backends: one wakeup each, none shared
    long bound = INTERVAL / TICK + 1;
    assertThat(many.wakeups()).isLessThanOrEqualTo((int) bound);
    assertThat(more.wakeups()).isLessThanOrEqualTo((int) bound);
  }

  @Test
  void aProbeStartsAtMostOneTickAfterItIsDue() {
    assertThat(oneInterval(10).latestMs()).isZero();
    assertThat(oneInterval(2_000).latestMs()).isLessThanOrEqualTo(TICK);
  }

  @Test
  void nothingWaitingMeansNoWakeupAndAWakeTakesOnlyWhatIsDue() {
    ProbeTimeline<String> timeline = new ProbeTimeline<>(TICK);
    assertThat(timeline.nextWakeMs()).isEqualTo(Long.MAX_VALUE);
    timeline.add("b", 200);
    timeline.add("a", 100);
    assertThat(timeline.nextWakeMs()).isEqualTo(100);
    assertThat(timeline.wake(150)).containsExactly("a");
    assertThat(timeline.nextWakeMs()).isEqualTo(200);
    timeline.add("c", 160);
    assertThat(timeline.nextWakeMs()).as("no sooner than a tick after the last wakeup").isEqualTo(150 + TICK);
    assertThat(timeline.wake(200)).containsExactly("c", "b");
    timeline.add("d", 10_000);
    timeline.clear();
    assertThat(timeline.size()).isZero();
    assertThatThrownBy(() -> new ProbeTimeline<>(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
