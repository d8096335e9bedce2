package dev.ghost.ingress.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.config.HostPort;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sample workload's flags, parsed without binding anything. */
class SampleWorkloadArgsTest {

  @Test
  void parsesBothSpellingsAndTheProxySwitch() {
    SampleWorkload.Args a = SampleWorkload.parseArgs(
        List.of("--listen", "[::]:9443", "--listen=127.0.0.1:9444", "--no-proxy-protocol"));
    assertThat(a.listen()).containsExactly(new HostPort("::", 9443), new HostPort("127.0.0.1", 9444));
    assertThat(a.proxyProtocol()).isFalse();
    assertThat(SampleWorkload.parseArgs(List.of("--listen", "[::1]:0")).proxyProtocol()).isTrue();
  }

  @Test
  void rejectsBadFlags() {
    assertBad(List.of(), "at least one --listen HOST:PORT is required");
    assertBad(List.of("--listen"), "--listen: missing value");
    assertBad(List.of("--listen", "nope"), "--listen: expected host:port");
    assertBad(List.of("--listen", "[::1]:9443", "--bogus"), "unknown argument '--bogus'");
  }

  private static void assertBad(List<String> args, String message) {
    assertThatThrownBy(() -> SampleWorkload.parseArgs(args)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }
}
