package dev.ghost.ingress.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteModelTest {

  @Test
  void backendPrintsIpv6InBrackets() {
    assertThat(new Backend("fd00::7", 8443)).hasToString("[fd00::7]:8443");
    assertThat(new Backend("10.0.0.1", 80)).hasToString("10.0.0.1:80");
    assertThat(Backend.parse("[::1]:9443")).isEqualTo(new Backend("::1", 9443));
    assertThatThrownBy(() -> new Backend("::1", 0)).hasMessageContaining("1-65535");
  }

  @Test
  void routesBuiltFromOneBackendSetShareIt() {
    List<Backend> set = List.of(new Backend("fd00::1", 8443), new Backend("fd00::2", 8443));
    Route a = Route.tls("a", "a.example", 443).withBackends(set);
    Route b = Route.tls("b", "b.example", 443).withBackends(set);
    assertThat(a.backends()).isSameAs(set).isSameAs(b.backends());
    assertThat(Routes.build(List.of(a, b)).route("b").backends()).as("through the table build").isSameAs(set);

    Backend dup = new Backend("fd00::1", 8443);
    assertThat(a.withBackends(List.of(dup, set.get(1), dup)).backends()).containsExactly(dup, set.get(1));
    List<Backend> many = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      many.add(new Backend("fd00::" + Integer.toHexString(i % 10 + 1), 8443));
    }
    assertThat(a.withBackends(many).backends()).hasSize(10).doesNotHaveDuplicates();
  }

  @Test
  void proxyProtocolParsesConfigFormsAndStaysImmutable() {
    ProxyProtocol p = ProxyProtocol.parse("V2", List.of("authority", "CRC32C"));
    assertThat(p.v2()).isTrue();
    assertThat(p.tlvs()).containsExactlyInAnyOrder(ProxyProtocol.Tlv.AUTHORITY, ProxyProtocol.Tlv.CRC32C);
    p.tlvs().clear();
    assertThat(p.has(ProxyProtocol.Tlv.AUTHORITY)).isTrue();

    assertThat(ProxyProtocol.parse(null, null)).isEqualTo(ProxyProtocol.OFF);
    assertThat(ProxyProtocol.parse("v2", List.of())).isEqualTo(ProxyProtocol.V2);
    assertThatThrownBy(() -> ProxyProtocol.parse("off", List.of("unique_id"))).hasMessageContaining("need");
    assertThatThrownBy(() -> ProxyProtocol.parse("v1", List.of())).hasMessageContaining("v1");
    assertThatThrownBy(() -> ProxyProtocol.parse("v2", List.of("nope"))).hasMessageContaining("nope");
    assertThat(ProxyProtocol.v2(EnumSet.of(ProxyProtocol.Tlv.UNIQUE_ID)).has(ProxyProtocol.Tlv.UNIQUE_ID)).isTrue();
  }

  @Test
  void routeKeysAndSeniority() {
    RouteTable t = Routes.build(List.of(Routes.tls("t", "a.example", 443, 5), Routes.raw("r", 5432, 9),
        Routes.staticTls("s", "s.example", 443, 100)));
    Route tls = t.route("t");
    Route raw = t.route("r");
    Route st = t.route("s");

    assertThat(tls.key()).isEqualTo("443/a.example");
    assertThat(raw.key()).isEqualTo("5432");
    assertThat(tls.key(Scope.env("e"))).isEqualTo("env:e|443/a.example");
    assertThat(st.olderThan(tls)).isTrue();
    assertThat(tls.olderThan(raw)).isTrue();
    assertThat(Scope.SHARED).hasToString("shared");
    assertThat(Protocol.parse("tcp_raw")).isEqualTo(Protocol.TCP_RAW);
  }
}
