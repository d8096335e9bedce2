package dev.ghost.ingress.route;

import static dev.ghost.ingress.route.Routes.raw;
import static dev.ghost.ingress.route.Routes.tls;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouteTableLookupTest {

  private RouteTable table;

  @BeforeEach
  void setUp() {
    RouteTableBuilder b = new RouteTableBuilder(1, PortPolicy.DEFAULT).env("e", "10.0.0.5", 1).env("plain", null, 2);
    b.add(tls("only", "only.example", 8443, 1).withEnv("e").withAllowNonTls(true));
    b.add(tls("a", "a.example", 443, 2).withEnv("e"));
    b.add(tls("b", "b.example", 443, 3));
    b.add(raw("pg", 5432, 4).withEnv("e"));
    table = b.build();
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  private static InetAddress mapped(int a, int b, int c, int d) throws Exception {
    byte[] bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
    return Inet6Address.getByAddress(null, bytes, -1);
  }

  @Test
  void ipv6LocalAddressIsTheSharedScope() throws Exception {
    assertThat(table.scopeFor(ip("2001:db8::1"))).contains(Scope.SHARED);
    assertThat(table.scopeFor(ip("::1"))).contains(Scope.SHARED);
  }

  @Test
  void ownedIpv4IsThatEnvsScopeAndUnownedIpv4ServesNothing() throws Exception {
    assertThat(table.scopeFor(ip("10.0.0.5"))).contains(Scope.env("e"));
    assertThat(table.scopeFor(ip("10.0.0.6"))).isEmpty();
    assertThat(table.scopeFor(ip("127.0.0.1"))).isEmpty();
  }

  @Test
  void ipv4MappedIpv6IsUnwrappedBeforeTheLookup() throws Exception {
    InetAddress owned = mapped(10, 0, 0, 5);
    assertThat(owned).isInstanceOf(Inet6Address.class);
    assertThat(RouteTable.unwrap(owned)).isEqualTo(ip("10.0.0.5"));
    assertThat(table.scopeFor(owned)).contains(Scope.env("e"));
    assertThat(table.scopeFor(mapped(10, 0, 0, 6))).isEmpty();
    assertThat(RouteTable.unwrap(ip("2001:db8::1"))).isEqualTo(ip("2001:db8::1"));
  }

  @Test
  void soleIsTheSingleRouteAtAPort() {
    PortRoutes p = table.routesAt(Scope.SHARED, 8443);
    assertThat(p.sole().id()).isEqualTo("only");
    assertThat(p.sole().allowNonTls()).isTrue();
    assertThat(p.raw()).isNull();
    assertThat(p.isEmpty()).isFalse();
  }

  @Test
  void soleIsNullWhenSeveralRoutesShareAPort() {
    PortRoutes shared = table.routesAt(Scope.SHARED, 443);
    assertThat(shared.sole()).isNull();
    assertThat(shared.byHost("a.example").id()).isEqualTo("a");
    assertThat(shared.byHost("b.example").id()).isEqualTo("b");
    assertThat(shared.byHost("c.example")).isNull();
    assertThat(shared.byHost(null)).isNull();
    // On e's IPv4 only e's route is there, so it is the sole fallback and b's name does not resolve.
    PortRoutes env = table.routesAt(Scope.env("e"), 443);
    assertThat(env.sole().id()).isEqualTo("a");
    assertThat(env.byHost("b.example")).isNull();
  }

  @Test
  void rawRouteOwnsItsPort() {
    PortRoutes p = table.routesAt(Scope.env("e"), 5432);
    assertThat(p.raw().id()).isEqualTo("pg");
    assertThat(p.sole().id()).isEqualTo("pg");
    assertThat(p.byHost("a.example")).isNull();
  }

  @Test
  void unknownScopeOrPortIsEmpty() {
    assertThat(table.routesAt(Scope.SHARED, 9999)).isSameAs(PortRoutes.EMPTY);
    assertThat(table.routesAt(Scope.env("plain"), 443).isEmpty()).isTrue();
    assertThat(table.routesAt(Scope.env("nobody"), 443).sole()).isNull();
  }
}
