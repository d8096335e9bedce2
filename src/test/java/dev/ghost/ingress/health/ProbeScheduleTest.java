package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.route.Backend;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProbeScheduleTest {

  private static final long INTERVAL = 5_000;

  @Test
  void firstProbesOfTenThousandBackendsSpreadOverTheInterval() {
    int n = 10_000;
    int buckets = 50; // 100 ms each
    int[] counts = new int[buckets];
    for (int i = 0; i < n; i++) {
      // consecutive addresses and ports, as a real fleet has them
      Backend b = new Backend("fd00::" + Integer.toHexString(i / 4 + 1), 8443 + i % 4);
      long d = ProbeSchedule.firstDelayMs("node-1", b, INTERVAL);
      assertThat(d).isBetween(1L, INTERVAL);
      counts[(int) ((d - 1) * buckets / INTERVAL)]++;
    }
    int expected = n / buckets;
    for (int c : counts) {
      assertThat(c).isBetween(expected / 2, expected * 2); // no burst, no gap
    }
  }

  @Test
  void firstDelayIsStablePerNodeAndBackendAndDiffersBetweenNodes() {
    Backend b = Backend.parse("[fd00::5]:443");
    assertThat(ProbeSchedule.firstDelayMs("node-1", b, INTERVAL))
        .isEqualTo(ProbeSchedule.firstDelayMs("node-1", b, INTERVAL));
    Set<Long> perNode = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      perNode.add(ProbeSchedule.firstDelayMs("node-" + i, b, INTERVAL));
    }
    assertThat(perNode.size()).isGreaterThan(10);
  }

  @Test
  void nextDelayIsTheIntervalPlusOrMinusTenPercent() {
    assertThat(ProbeSchedule.nextDelayMs(INTERVAL, 0.0)).isEqualTo(4_500);
    assertThat(ProbeSchedule.nextDelayMs(INTERVAL, 0.5)).isEqualTo(5_000);
    assertThat(ProbeSchedule.nextDelayMs(INTERVAL, 0.999_999)).isBetween(5_499L, 5_500L);
    for (double u = 0; u < 1; u += 0.01) {
      assertThat(ProbeSchedule.nextDelayMs(INTERVAL, u)).isBetween(4_500L, 5_500L);
    }
  }

  @Test
  void delaysAreNeverZeroEvenForATinyInterval() {
    assertThat(ProbeSchedule.nextDelayMs(1, 0.0)).isEqualTo(1);
    assertThat(ProbeSchedule.firstDelayMs("n", Backend.parse("10.0.0.1:1"), 1)).isEqualTo(1);
  }
}
