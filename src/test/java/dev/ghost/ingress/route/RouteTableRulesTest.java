package dev.ghost.ingress.route;

import static dev.ghost.ingress.route.Routes.build;
import static dev.ghost.ingress.route.Routes.ids;
import static dev.ghost.ingress.route.Routes.raw;
import static dev.ghost.ingress.route.Routes.tls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.config.RouteSpec;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouteTableRulesTest {

  @ParameterizedTest
  @ValueSource(ints = {23, 25, 137, 138, 139})
  void defaultDenylistRejectsRawRoutes(int port) {
    RouteTable t = build(List.of(raw("r", port, 1)));

    assertThat(t.routes()).isEmpty();
    assertThat(t.rejections()).containsExactly(new Rejection("r", "tcp_raw port " + port
        + " is on the operator denylist"));
    assertThat(t.routePorts()).isEmpty();
  }

  @Test
  void aRouteWrittenInNormalFormIsKeptAsWrittenOthersAsNormalised() {
    Route normal = tls("n", "shop.example", 443, 1);
    Route upper = tls("u", "Other.Example.", 443, 2);
    Route blankEnv = tls("b", "blank.example", 443, 3).withEnv(" ");
    RouteTable t = build(List.of(normal, upper, blankEnv));

    // a table of 100 000 control-plane routes kept a second copy of each (all already normal) as garbage
    assertThat(t.route("n")).isSameAs(normal);
    assertThat(t.route("u").hostname()).isEqualTo("other.example");
    assertThat(t.route("b")).isNotSameAs(blankEnv);
    assertThat(t.route("b").envId()).isNull();
  }

  @Test
  void denylistDoesNotApplyToTlsRoutes() {
    RouteTable t = build(List.of(tls("t", "a.example", 25, 1), raw("r", 24, 2), raw("r2", 140, 3)));

    assertThat(ids(t)).containsExactly("t", "r", "r2");
  }

  @Test
  void allowlistAdmitsOnlyListedPortsAndDenylistStillWins() {
    IngressConfig.Limits limits = new IngressConfig.Limits(0, 0, 0, Set.of(25), Set.of(25, 5432));
    RouteTableBuilder b = new RouteTableBuilder(1, PortPolicy.from(limits));
    b.add(raw("pg", 5432, 1)).add(raw("redis", 6379, 2)).add(raw("smtp", 25, 3));
    RouteTable t = b.build();

    assertThat(ids(t)).containsExactly("pg");
    assertThat(t.rejections()).extracting(Rejection::routeId).containsExactly("redis", "smtp");
    assertThat(t.rejections().get(0).reason()).contains("allowlist");
    assertThat(t.rejections().get(1).reason()).contains("denylist");
  }

  @Test
  void invalidHostNamesAreRejectedWithAReasonAndNeverApplied() {
    RouteTable t = build(List.of(tls("ss", "straße.example", 443, 1), tls("wild", "*.example", 443, 2),
        tls("ok", "ok.example", 443, 4)));

    assertThat(ids(t)).containsExactly("ok");
    assertThat(t.rejections()).extracting(Rejection::routeId).containsExactly("ss", "wild");
    assertThat(t.rejections().get(0).reason()).contains("U+00DF");
  }

  @Test
  void structurallyBadCandidatesAreRejected() {
    // what cannot even be a route fails to construct; its caller reports it through reject()
    assertThatThrownBy(() -> tls("port0", "a.example", 0, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1-65535");
    assertThatThrownBy(() -> tls("none", null, 443, 3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host name");
    assertThatThrownBy(() -> tls(null, "c.example", 443, 3)).isInstanceOf(NullPointerException.class);
    RouteTable t = new RouteTableBuilder(1, PortPolicy.DEFAULT)
        .add(tls("neg", "b.example", 443, 2).withLimits(Duration.ofSeconds(-1), null, 0))
        .add(Route.tls("noproto", "d.example", 443).withOrigin(Origin.CONTROL_PLANE, 4)
            .withBackends(List.of()).withProxyProtocol(null))
        .reject("port0", "route port out of range 1-65535: 0")
        .build();

    assertThat(ids(t)).containsExactly("noproto");
    assertThat(t.route("noproto").proxyProtocol()).isEqualTo(ProxyProtocol.OFF);
    assertThat(t.rejections()).extracting(Rejection::routeId).containsExactlyInAnyOrder("neg", "port0");
  }

  @Test
  void staticSpecsWithBadFieldsAreRejectedUnderTheirIndexId() {
    List<RouteSpec> specs = List.of(
        new RouteSpec(null, "a.example", 443, "udp", "off", List.of(), List.of(), null, false, null, null, null),
        new RouteSpec(null, "b.example", 443, "tls_passthrough", "v3", List.of(), List.of(), null, false, null, null,
            null),
        new RouteSpec(null, "c.example", 443, "tls_passthrough", "off", List.of(),
            List.of(HostPort.parse("[::1]:0")), null, false, null, null, null),
        new RouteSpec(null, null, 5432, "TCP_RAW", null, List.of(), List.of(HostPort.parse("[::1]:5432")), "dev",
            false, Duration.ZERO, null, 10));

    RouteTable t = new RouteTableBuilder(1, PortPolicy.DEFAULT).addStatic(List.<EnvSpec>of(), specs).build();

    assertThat(t.rejections()).extracting(Rejection::routeId).containsExactly("0", "1", "2");
    Route pg = t.route("3");
    assertThat(pg.isRaw()).isTrue();
    assertThat(pg.hostname()).isNull();
    assertThat(pg.envId()).isEqualTo("dev");
    assertThat(pg.idleTimeout()).isEqualTo(Duration.ZERO);
    assertThat(pg.maxConnections()).isEqualTo(10);
    assertThat(pg.backends()).containsExactly(new Backend("::1", 5432));
  }

  @Test
  void ipv4ClaimedTwiceGoesToTheOlderClaimAndDegradesTheOther() {
    for (boolean reversed : new boolean[] {false, true}) {
      RouteTableBuilder b = new RouteTableBuilder(1, PortPolicy.DEFAULT);
      if (reversed) {
        b.env("young", "198.51.100.7", 50).env("old", "198.51.100.7", 40);
      } else {
        b.env("old", "198.51.100.7", 40).env("young", "198.51.100.7", 50);
      }
      b.add(tls("y", "y.example", 443, 1).withEnv("young"));
      RouteTable t = b.build();

      assertThat(t.envIpv4()).containsExactly(java.util.Map.entry("old", "198.51.100.7"));
      assertThat(t.degradedEnvs()).containsExactly("young");
      assertThat(t.degradedReasons().get("young")).contains("198.51.100.7").contains("old");
      // The degraded env keeps serving on the shared listeners only.
      assertThat(t.routesAt(Scope.SHARED, 443).byHost("y.example")).isNotNull();
      assertThat(t.routesAt(Scope.env("young"), 443).isEmpty()).isTrue();
      assertThat(t.portsOfEnv("young")).isEmpty();
    }
  }

  @Test
  void staticIpv4ClaimBeatsAnOlderLookingControlPlaneClaim() {
    RouteTable t = new RouteTableBuilder(1, PortPolicy.DEFAULT)
        .env("cp", "203.0.113.9", 1)
        .addStatic(List.of(new EnvSpec("dev", "203.0.113.9")), List.of())
        .build();

    assertThat(t.envIpv4()).containsOnlyKeys("dev");
    assertThat(t.degradedEnvs()).containsExactly("cp");
  }

  @Test
  void invalidIpv4DegradesTheEnv() {
    RouteTable t = new RouteTableBuilder(1, PortPolicy.DEFAULT)
        .env("a", "256.1.1.1", 1).env("b", "fd00::1", 2).env("c", "host.example", 3).env("d", null, 4)
        .build();

    assertThat(t.degradedEnvs()).containsExactly("a", "b", "c");
    assertThat(t.envIpv4()).isEmpty();
  }

  @Test
  void introspectionListsPortsEnvsAndVersion() {
    RouteTableBuilder b = new RouteTableBuilder(42, PortPolicy.DEFAULT).env("e", "10.0.0.5", 1);
    b.add(tls("t", "a.example", 443, 1).withEnv("e"));
    b.add(raw("r", 5432, 2).withEnv("e"));
    b.add(tls("other", "b.example", 8443, 3));
    RouteTable t = b.build();

    assertThat(t.version()).isEqualTo(42);
    assertThat(t.routePorts()).containsExactly(443, 5432, 8443);
    assertThat(t.portsOfEnv("e")).containsExactly(443, 5432);
    assertThat(t.envIpv4()).containsExactly(java.util.Map.entry("e", "10.0.0.5"));
    assertThat(RouteTable.empty(0).routes()).isEmpty();
  }
}
