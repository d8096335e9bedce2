package dev.ghost.ingress.devcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The subcommand's flags: both spellings, and one-line errors for bad ones. */
class DevControlPlaneCommandTest {

  @Test
  void parsesFlags() throws Exception {
    DevControlPlane.Options o = DevControlPlaneCommand.parse(List.of("--state", "x.toml", "--listen=[::1]:0",
        "--chaos-fail-status", "500", "--legacy-payloads", "--scan", "50ms"));
    assertThat(o.host()).isEqualTo("::1");
  }

  @Test
  void publicParseArgsExposesTheOptions() {
    DevControlPlane.Options o = DevControlPlaneCommand.parseArgs(List.of("--state", "x.toml", "--listen", "[::]:8080",
        "--token", "t"));
    assertThat(o.host()).isEqualTo("::");
    assertThat(o.port()).isEqualTo(8080);
    assertThat(o.stateFile()).hasToString("x.toml");
    assertThat(o.token()).isEqualTo("t");
    assertThat(o.org()).isNull();
    assertThatThrownBy(() -> DevControlPlaneCommand.parseArgs(List.of("--bogus")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("unknown argument '--bogus'");
  }

  @Test
  void rejectsBadFlags() {
    assertBad(List.of(), "--state FILE is required");
    assertBad(List.of("--state"), "--state: missing value");
    assertBad(List.of("--state", "f", "--listen", "nope"), "--listen: expected host:port");
    assertBad(List.of("--state", "f", "--scan", "5 seconds"), "--scan: expected <integer><unit>");
    assertBad(List.of("--state", "f", "--chaos-fail-status", "404"), "--chaos-fail-status: expected 500 or 503");
    assertBad(List.of("--state", "f", "--bogus"), "unknown argument '--bogus'");
  }

  private static void assertBad(List<String> args, String message) {
    assertThatThrownBy(() -> DevControlPlaneCommand.parse(args)).hasMessageStartingWith(message);
  }
}
