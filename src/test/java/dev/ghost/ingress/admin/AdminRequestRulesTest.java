package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.HostPort;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which Host names, origins and bodies the admin API accepts. */
class AdminRequestRulesTest {

  final AdminRequestRules loopback = new AdminRequestRules(new HostPort("127.0.0.1", 9901), List.of());
  final AdminRequestRules named = new AdminRequestRules(new HostPort("Admin.Node1.internal", 9901),
      List.of("ops.example.net"));

  @Test
  void addressLiteralsAndLocalhostAreAlwaysNames() {
    for (String host : List.of("127.0.0.1:9901", "127.0.0.1", "[::1]:9901", "[::1]", "10.1.2.3:9911",
        "[fd00::5]:80", "localhost:9901", "LOCALHOST", "localhost.")) {
      assertThat(loopback.hostAllowed(host)).as(host).isTrue();
    }
    assertThat(loopback.hostAllowed(null)).as("no Host header: not a browser").isTrue();
  }

  @Test
  void dnsRebindingNamesAreRefused() {
    for (String host : List.of("evil.example", "evil.example:9901", "127.0.0.1.nip.io:9901", "localhost.evil.example",
        "", ":9901", "[::1", "[::1]x", "[evil]:9901", "[fd00::zz]", "::1", "127.0.0.1:99x", "localhost:99999",
        "localhost:", "a b")) {
      assertThat(loopback.hostAllowed(host)).as(host).isFalse();
      assertThat(loopback.checkRequest(host, null, null)).as(host).isEqualTo(AdminRefusal.FOREIGN_HOST);
    }
  }

  @Test
  void theListenHostAndTheAllowedNamesAreAccepted() {
    assertThat(named.hostAllowed("admin.node1.internal:9901")).isTrue();
    assertThat(named.hostAllowed("ADMIN.NODE1.INTERNAL.")).isTrue();
    assertThat(named.hostAllowed("ops.example.net:9901")).isTrue();
    assertThat(named.hostAllowed("other.example.net:9901")).isFalse();
    assertThat(loopback.hostAllowed("ops.example.net")).as("another node's names are its own").isFalse();
  }

  @Test
  void crossSiteRequestsAreRefused() {
    String host = "127.0.0.1:9901";
    assertThat(loopback.checkRequest(host, null, null)).isNull();
    assertThat(loopback.checkRequest(host, null, "none")).as("typed into the address bar").isNull();
    assertThat(loopback.checkRequest(host, null, "same-origin")).isNull();
    assertThat(loopback.checkRequest(host, "http://127.0.0.1:9901", "same-origin")).isNull();
    assertThat(loopback.checkRequest(host, "HTTP://127.0.0.1:9901", null)).isNull();
    assertThat(loopback.checkRequest(host, null, "cross-site")).isEqualTo(AdminRefusal.CROSS_SITE);
    assertThat(loopback.checkRequest(host, null, "Same-Site")).as("another port is another page")
        .isEqualTo(AdminRefusal.CROSS_SITE);
    assertThat(loopback.checkRequest(host, "http://evil.example", null)).isEqualTo(AdminRefusal.CROSS_SITE);
    assertThat(loopback.checkRequest(host, "http://127.0.0.1:8080", null)).isEqualTo(AdminRefusal.CROSS_SITE);
    assertThat(loopback.checkRequest(host, "https://127.0.0.1:9901", null)).isEqualTo(AdminRefusal.CROSS_SITE);
    assertThat(loopback.checkRequest(host, "null", null)).isEqualTo(AdminRefusal.CROSS_SITE);
    assertThat(loopback.checkRequest(null, "http://127.0.0.1:9901", null)).isEqualTo(AdminRefusal.CROSS_SITE);
  }

  @Test
  void mutatingBodiesMustBeJsonOrAbsent() {
    assertThat(AdminRequestRules.checkBody("application/json", "17", null)).isNull();
    assertThat(AdminRequestRules.checkBody("Application/JSON; charset=utf-8", "17", null)).isNull();
    assertThat(AdminRequestRules.checkBody(null, null, null)).as("no body at all").isNull();
    assertThat(AdminRequestRules.checkBody(null, "0", null)).isNull();
    for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json-seq", "application/problem+json", "")) {
      assertThat(AdminRequestRules.checkBody(type, "17", null)).as(type)
          .isEqualTo(AdminRefusal.UNSUPPORTED_MEDIA_TYPE);
    }
    assertThat(AdminRequestRules.checkBody(null, "17", null)).as("a body without a type")
        .isEqualTo(AdminRefusal.UNSUPPORTED_MEDIA_TYPE);
    assertThat(AdminRequestRules.checkBody(null, null, "chunked")).isEqualTo(AdminRefusal.UNSUPPORTED_MEDIA_TYPE);
  }
}
