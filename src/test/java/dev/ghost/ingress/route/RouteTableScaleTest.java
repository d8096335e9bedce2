package dev.ghost.ingress.route;

import static dev.ghost.ingress.route.ScaleRoutes.duplicateId;
import static dev.ghost.ingress.route.ScaleRoutes.duplicated;
import static dev.ghost.ingress.route.ScaleRoutes.env;
import static dev.ghost.ingress.route.ScaleRoutes.hasIpv4;
import static dev.ghost.ingress.route.ScaleRoutes.host;
import static dev.ghost.ingress.route.ScaleRoutes.id;
import static dev.ghost.ingress.route.ScaleRoutes.port;
import static dev.ghost.ingress.route.ScaleRoutes.raw;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 11: a 100 000-route table routes every name exactly, per scope and port. No timing is asserted. */
class RouteTableScaleTest {

  static final int N = 100_000;
  private static RouteTable table;

  @BeforeAll
  static void build() {
    table = ScaleRoutes.builder(N, 5).build();
  }

  @Test
  void everyRouteIsFoundByItsExactNameOnItsPortInTheSharedScope() {
    for (int i = 0; i < N; i++) {
      PortRoutes at = table.routesAt(Scope.SHARED, port(i));
      Route found = raw(i) ? at.raw() : at.byHost(host(i));
      assertThat(found).as("route %d", i).isNotNull();
      assertThat(found.id()).isEqualTo(id(i));
      assertThat(found.backends()).hasSize(2);
    }
  }

  @Test
  void aNameIsNotFoundOnAnotherPortOrWithAnotherSpelling() {
    for (int i = 0; i < N; i += 101) {
      if (raw(i)) {
        continue;
      }
      int other = port(i) == 443 ? 8443 : 443;
      assertThat(table.routesAt(Scope.SHARED, other).byHost(host(i))).isNull();
      assertThat(table.routesAt(Scope.SHARED, port(i)).byHost(host(i) + ".example")).isNull();
      assertThat(table.routesAt(Scope.SHARED, port(i)).byHost("x" + host(i))).isNull();
    }
    assertThat(table.routesAt(Scope.SHARED, 444).isEmpty()).isTrue();
  }

  @Test
  void perPortIndexesHoldExactlyTheirPortsRoutesAndNoPortHasASoleFallback() {
    Map<Integer, Integer> expected = new HashMap<>();
    for (int i = 0; i < N; i++) {
      expected.merge(port(i), 1, Integer::sum);
    }
    expected.forEach((p, count) -> {
      PortRoutes at = table.routesAt(Scope.SHARED, p);
      assertThat(at.all()).as("port %d", p).hasSize(count);
      assertThat(at.all()).allMatch(r -> r.port() == p);
      assertThat(at.sole() != null).isEqualTo(count == 1);
    });
    assertThat(table.routePorts()).isEqualTo(new TreeSet<>(expected.keySet()));
  }

  @Test
  void dedicatedIpv4ScopesServeOnlyTheirEnvsRoutes() throws Exception {
    for (int i = 0; i < N; i += 7) {
      Scope scope = Scope.env(env(i));
      PortRoutes at = table.routesAt(scope, port(i));
      Route found = raw(i) ? at.raw() : at.byHost(host(i));
      if (hasIpv4(i)) {
        assertThat(found).as("route %d", i).isNotNull();
        assertThat(found.id()).isEqualTo(id(i));
      } else {
        assertThat(found).as("route %d", i).isNull();
      }
    }
    assertThat(table.scopeFor(InetAddress.getByName("10.1.0.1"))).contains(Scope.env("env_0"));
    assertThat(table.scopeFor(InetAddress.getByName("10.1.0.11"))).isEmpty();
    assertThat(table.envIpv4()).hasSize(ScaleRoutes.IPV4_ENVS);
  }

  @Test
  void everyDuplicateNameLosesToTheOlderRouteAndIsReported() {
    Set<String> losers = new TreeSet<>();
    table.conflicts().forEach(c -> losers.add(c.loserId()));
    int duplicates = 0;
    for (int i = 0; i < N; i++) {
      if (duplicated(i)) {
        duplicates++;
        assertThat(losers).contains(duplicateId(i));
        assertThat(table.route(duplicateId(i))).isNull();
      }
    }
    assertThat(losers).hasSize(duplicates);
    assertThat(table.routes()).hasSize(N);
    assertThat(table.rejections()).isEmpty();
  }

  @Test
  void aSwapPublishesTheWholeNewTableAtOnce() {
    RouteTableRef ref = new RouteTableRef(table);
    RouteTableBuilder next = ScaleRoutes.builder(N, 6);
    next.add(Route.tls("rt_new", "new.scale.test", 443).withOrigin(Origin.CONTROL_PLANE, 2L * N));
    RouteTable built = next.build();
    assertThat(ref.swap(built)).isSameAs(table);
    assertThat(ref.current().version()).isEqualTo(6);
    assertThat(ref.current().routesAt(Scope.SHARED, 443).byHost("new.scale.test").id()).isEqualTo("rt_new");
    assertThat(ref.current().routesAt(Scope.SHARED, port(N - 2)).byHost(host(N - 2)).id()).isEqualTo(id(N - 2));
    assertThat(table.routesAt(Scope.SHARED, 443).byHost("new.scale.test")).isNull();
  }
}
