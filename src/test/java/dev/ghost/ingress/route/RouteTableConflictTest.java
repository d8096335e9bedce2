package dev.ghost.ingress.route;

import static dev.ghost.ingress.route.Routes.build;
import static dev.ghost.ingress.route.Routes.ids;
import static dev.ghost.ingress.route.Routes.raw;
import static dev.ghost.ingress.route.Routes.staticTls;
import static dev.ghost.ingress.route.Routes.tls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.RouteSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableConflictTest {

  /** Builds the table from the inputs and from them reversed, asserts both agree, returns one. */
  private static RouteTable bothOrders(Route... in) {
    List<Route> forward = List.of(in);
    List<Route> backward = new ArrayList<>(forward);
    Collections.reverse(backward);
    RouteTable a = build(forward);
    RouteTable b = build(backward);
    assertThat(b.routes()).isEqualTo(a.routes());
    assertThat(b.conflicts()).isEqualTo(a.conflicts());
    return a;
  }

  @Test
  void twoTlsRoutesWithTheSameHostAndPort_lowerEventIdWins() {
    RouteTable t = bothOrders(tls("young", "shop.example.com", 443, 20), tls("old", "shop.example.com", 443, 10));

    assertThat(ids(t)).containsExactly("old");
    assertThat(t.conflicts()).containsExactly(new Conflict(Scope.SHARED, 443, "shop.example.com", "old", "young"));
    assertThat(t.routesAt(Scope.SHARED, 443).byHost("shop.example.com").id()).isEqualTo("old");
  }

  @Test
  void hostsThatNormaliseAlikeConflict() {
    RouteTable t = bothOrders(tls("a", "Bücher.Example.", 443, 1), tls("b", "xn--bcher-kva.example", 443, 2));

    assertThat(ids(t)).containsExactly("a");
    assertThat(t.conflicts()).extracting(Conflict::host).containsExactly("xn--bcher-kva.example");
  }

  @Test
  void sameHostOnAnotherPortOrAnotherHostDoesNotConflict() {
    RouteTable t = bothOrders(tls("a", "a.example", 443, 1), tls("b", "a.example", 8443, 2),
        tls("c", "c.example", 443, 3));

    assertThat(ids(t)).containsExactly("a", "b", "c");
    assertThat(t.conflicts()).isEmpty();
  }

  @Test
  void twoRawRoutesOnOnePort_olderWins() {
    RouteTable t = bothOrders(raw("r2", 5432, 2), raw("r1", 5432, 1));

    assertThat(ids(t)).containsExactly("r1");
    assertThat(t.conflicts()).containsExactly(new Conflict(Scope.SHARED, 5432, null, "r1", "r2"));
    assertThat(t.routesAt(Scope.SHARED, 5432).raw().id()).isEqualTo("r1");
  }

  @Test
  void rawRouteOlderThanTlsRouteOnOnePort_rawWins() {
    RouteTable t = bothOrders(tls("t", "a.example", 7000, 2), raw("r", 7000, 1));

    assertThat(ids(t)).containsExactly("r");
    assertThat(t.conflicts()).containsExactly(new Conflict(Scope.SHARED, 7000, "a.example", "r", "t"));
  }

  @Test
  void tlsRouteOlderThanRawRouteOnOnePort_tlsWins() {
    RouteTable t = bothOrders(tls("t", "a.example", 7000, 1), raw("r", 7000, 2));

    assertThat(ids(t)).containsExactly("t");
    assertThat(t.conflicts()).containsExactly(new Conflict(Scope.SHARED, 7000, "a.example", "t", "r"));
    assertThat(t.routesAt(Scope.SHARED, 7000).raw()).isNull();
  }

  @Test
  void aLosingRawRouteDoesNotBlockYoungerTlsRoutes() {
    RouteTable t = bothOrders(tls("t1", "a.example", 7000, 1), raw("r", 7000, 2), tls("t2", "b.example", 7000, 3));

    assertThat(ids(t)).containsExactly("t1", "t2");
    assertThat(t.conflicts()).extracting(Conflict::loserId).containsExactly("r");
  }

  @Test
  void staticRouteBeatsControlPlaneRouteWhateverTheRank() {
    RouteTable t = bothOrders(tls("cp", "a.example", 443, 1), staticTls("st", "a.example", 443, 99));

    assertThat(ids(t)).containsExactly("st");
    assertThat(t.conflicts()).containsExactly(new Conflict(Scope.SHARED, 443, "a.example", "st", "cp"));
  }

  @Test
  void staticRoutesWinByFileOrder() {
    HostPort backend = HostPort.parse("[::1]:9443");
    RouteSpec first = new RouteSpec("first", "a.example", 443, "tls_passthrough", "off", List.of(),
        List.of(backend), null, false, null, null, null);
    RouteSpec second = new RouteSpec("second", "A.EXAMPLE", 443, "tls_passthrough", "v2", List.of("authority"),
        List.of(backend), null, false, null, null, null);

    RouteTable t = new RouteTableBuilder(1, PortPolicy.DEFAULT)
        .addStatic(List.<EnvSpec>of(), List.of(first, second))
        .build();

    assertThat(ids(t)).containsExactly("first");
    assertThat(t.conflicts()).containsExactly(new Conflict(Scope.SHARED, 443, "a.example", "first", "second"));
    assertThat(t.route("first").origin()).isEqualTo(Origin.STATIC);
    assertThat(t.route("first").rank()).isZero();
  }

  @Test
  void duplicateRouteIdKeepsTheOlderRoute() {
    RouteTable t = bothOrders(tls("same", "a.example", 443, 2), tls("same", "b.example", 443, 1));

    assertThat(t.routes()).extracting(Route::hostname).containsExactly("b.example");
    assertThat(t.rejections()).extracting(Rejection::reason).singleElement().asString().contains("duplicate");
  }

  @Test
  void envScopesResolveIndependentlyOfTheSharedScope() {
    RouteTableBuilder b = new RouteTableBuilder(3, PortPolicy.DEFAULT)
        .env("e1", "192.0.2.1", 1)
        .env("e2", "192.0.2.2", 2);
    b.add(tls("r2", "a.example", 443, 20).withEnv("e2"));
    b.add(tls("r1", "a.example", 443, 10).withEnv("e1"));
    RouteTable t = b.build();

    // Shared: r1 is older. Each env's IPv4 serves only that env's route, so r2 is still reachable there.
    assertThat(ids(t)).containsExactly("r1", "r2");
    assertThat(t.conflicts()).containsExactly(new Conflict(Scope.SHARED, 443, "a.example", "r1", "r2"));
    assertThat(t.routesAt(Scope.SHARED, 443).byHost("a.example").id()).isEqualTo("r1");
    assertThat(t.routesAt(Scope.env("e1"), 443).byHost("a.example").id()).isEqualTo("r1");
    assertThat(t.routesAt(Scope.env("e2"), 443).byHost("a.example").id()).isEqualTo("r2");
  }

  @Test
  void conflictsInsideAnEnvScopeAreRecordedPerScope() {
    RouteTableBuilder b = new RouteTableBuilder(3, PortPolicy.DEFAULT).env("e1", "192.0.2.1", 1);
    b.add(raw("young", 9000, 5).withEnv("e1"));
    b.add(raw("old", 9000, 4).withEnv("e1"));
    RouteTable t = b.build();

    assertThat(t.conflicts()).containsExactly(
        new Conflict(Scope.SHARED, 9000, null, "old", "young"),
        new Conflict(Scope.env("e1"), 9000, null, "old", "young"));
    assertThat(ids(t)).containsExactly("old");
  }
}
