package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {

  @Test
  void parsesBracketedIpv6AndPlainHosts() {
    assertThat(HostPort.parse("[::]:443")).isEqualTo(new HostPort("::", 443));
    assertThat(HostPort.parse("127.0.0.1:0")).isEqualTo(new HostPort("127.0.0.1", 0));
    assertThat(HostPort.parse("backend.local:9443").toString()).isEqualTo("backend.local:9443");
    assertThat(HostPort.parse("[::1]:8443").toString()).isEqualTo("[::1]:8443");
  }

  @Test
  void rejectsUnbracketedIpv6AndBadPorts() {
    assertThatThrownBy(() -> HostPort.parse("::1:443")).hasMessageContaining("brackets");
    assertThatThrownBy(() -> HostPort.parse("host:70000")).hasMessageContaining("range");
    assertThatThrownBy(() -> HostPort.parse("host:x")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> HostPort.parse("[::1]443")).hasMessageContaining("[ipv6]:port");
  }
}
