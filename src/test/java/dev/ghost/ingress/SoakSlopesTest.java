package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The soak's verdict on slopes ({@code bench/soak.py --self-test}): a flat, noisy 15-minute run passes, and a run
 * where one series grows (idle sockets, heap after GC, RSS, round-trip lag, event-loop stalls) fails on that series
 * alone. {@link SoakIT} runs the soak itself, too briefly to judge a slope.
 */
class SoakSlopesTest {

  @Test
  void aGrowingSeriesFailsTheSoakAndFlatNoiseDoesNot() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("python3", "bench/soak.py", "--self-test").redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String report = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(report).isZero();
    assertThat(report).contains("soak self-test: passed");
  }
}
