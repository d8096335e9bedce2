package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StallCauseTest {

  private static final long MS = 1_000_000;

  @Test
  void aLagTheLoopSpentRunningIsWork() {
    assertThat(StallCause.of(80 * MS, 95 * MS, 2 * MS)).isEqualTo(StallCause.WORK); // ran through the tick too
    assertThat(StallCause.of(80 * MS, 40 * MS, 20 * MS)).isEqualTo(StallCause.WORK);
  }

  @Test
  void aLagTheLoopSpentRunnableWithoutACoreIsTheHosts() {
    assertThat(StallCause.of(80 * MS, 1 * MS, 78 * MS)).isEqualTo(StallCause.CPU_WAIT);
    assertThat(StallCause.of(80 * MS, 20 * MS, 35 * MS)).isEqualTo(StallCause.CPU_WAIT); // 25 ms paused
  }

  @Test
  void aLagTheLoopSpentNeitherRunningNorQueuedIsAPause() {
    assertThat(StallCause.of(80 * MS, 0, 0)).isEqualTo(StallCause.PAUSED); // a collection, a blocking call
    assertThat(StallCause.of(80 * MS, 20 * MS, 25 * MS)).isEqualTo(StallCause.PAUSED); // 35 ms paused
  }

  /** When in doubt the process is blamed, not the host: an alert on the host's cause must not hide ours. */
  @Test
  void tiesGoToTheProcessNotTheHost() {
    assertThat(StallCause.of(60 * MS, 30 * MS, 30 * MS)).isEqualTo(StallCause.WORK);
    assertThat(StallCause.of(60 * MS, 30 * MS, 0)).isEqualTo(StallCause.WORK); // 30 paused
    assertThat(StallCause.of(60 * MS, 0, 30 * MS)).isEqualTo(StallCause.PAUSED); // 30 paused
  }

  @Test
  void labelsAreTheMetricsLabelValues() {
    assertThat(Arrays.stream(StallCause.values()).map(StallCause::label))
        .containsExactly("work", "cpu_wait", "paused", "unknown");
  }

  /** The metric's HELP text and docs/operations.md name every cause an operator can see. */
  @Test
  void theHelpTextAndTheOperatorsGuideNameEveryCause() throws Exception {
    String help = MetricNames.help().get(MetricNames.EVENT_LOOP_STALLS);
    String guide = Files.readString(Path.of("docs/operations.md"));
    for (StallCause c : StallCause.values()) {
      assertThat(help).as("HELP of %s", MetricNames.EVENT_LOOP_STALLS).contains(c.label());
      assertThat(guide).as("docs/operations.md").contains("`" + c.label() + "`");
    }
  }
}
