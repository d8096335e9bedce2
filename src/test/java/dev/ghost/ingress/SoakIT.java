package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The soak of {@code bench/soak.py}, shortened to a minute: churn, long-lived sessions, route changes and hot
 * reloads against the built jar. It fails on a dropped session, a failed connection, an ERROR line, descriptors or
 * connections that do not come back after the load; a minute is too short to judge slopes (descriptors, heap after
 * GC, RSS, lag, stalls), which {@link SoakSlopesTest} checks on made-up runs. The long run is the same script with
 * its default 30 minutes.
 */
class SoakIT {

  private static final int SECONDS = 60;

  @Test
  void aMinuteOfChurnSessionsAndReloadsLeavesNoSlope() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("python3", "bench/soak.py", "--seconds", String.valueOf(SECONDS),
        "--jar", JarProcess.builtJar().toString(), "--java", JarProcess.currentJava())
        .redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(SECONDS + 120, TimeUnit.SECONDS)).isTrue();
    String report = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(report).isZero();
    assertThat(report).contains("soak: passed");
  }
}
