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

  @Test
  void readsHostHeadersWithAndWithoutPort() {
    assertThat(HostPort.splitHostHeader("admin.example:9901")).isEqualTo(new HostPort.Parts("admin.example", "9901"));
    assertThat(HostPort.splitHostHeader("admin.example")).isEqualTo(new HostPort.Parts("admin.example", null));
    assertThat(HostPort.splitHostHeader("[::1]:9901")).isEqualTo(new HostPort.Parts("::1", "9901"));
    assertThat(HostPort.splitHostHeader("[fd00::5]")).isEqualTo(new HostPort.Parts("fd00::5", null));
    assertThat(HostPort.splitHostHeader(" 10.1.2.3:0 ")).isEqualTo(new HostPort.Parts("10.1.2.3", "0"));
  }

  @Test
  void refusesHostHeadersThatAreNoAuthority() {
    assertThatThrownBy(() -> HostPort.splitHostHeader("::1")).hasMessageContaining("brackets");
    assertThatThrownBy(() -> HostPort.splitHostHeader("[evil]:9901")).hasMessageContaining("brackets");
    assertThatThrownBy(() -> HostPort.splitHostHeader("[::1]x")).hasMessageContaining("[ipv6]");
    assertThatThrownBy(() -> HostPort.splitHostHeader("host:+80")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> HostPort.splitHostHeader("host:")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> HostPort.splitHostHeader("host:99999")).hasMessageContaining("range");
    assertThatThrownBy(() -> HostPort.splitHostHeader(":9901")).hasMessageContaining("empty host");
  }
}
