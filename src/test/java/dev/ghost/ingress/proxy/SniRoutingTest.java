package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.RouteSpec;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.route.Scope;
import dev.ghost.ingress.sni.SniResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SNI routing rules of docs/behaviour.md, decision by decision. */
class SniRoutingTest {

  private static RouteSpec tls(String id, String host, int port, String env, boolean allowNonTls) {
    return new RouteSpec(id, host, port, "tls_passthrough", "off", List.of(), List.of(HostPort.parse("[::1]:9443")),
        env, allowNonTls, null, null, null);
  }

  private static final RouteTable TABLE = new RouteTableBuilder(1, PortPolicy.DEFAULT)
      .addStatic(List.of(new EnvSpec("a", "192.0.2.10"), new EnvSpec("b", "192.0.2.11")), List.of(
          tls("a1", "a.example.com", 443, "a", false),
          tls("b1", "b.example.com", 443, "b", false),
          tls("solo", "solo.example.com", 8443, null, true),
          tls("strict", "strict.example.com", 9443, null, false)))
      .build();

  private static SniRouting shared(int port) {
    return new SniRouting(TABLE, Scope.SHARED, port);
  }

  @Test
  void foundSniRoutesByExactName() {
    var d = shared(443).onHello(new SniResult.Found("b.example.com", false));
    assertThat(d.route().id()).isEqualTo("b1");
    assertThat(d.sniffOutcome()).isEqualTo("found");
    assertThat(d.sni()).isEqualTo("b.example.com");
  }

  @Test
  void unknownSniClosesWithNoRouteEvenWhenOneRouteIsAlone() {
    assertThat(shared(8443).onHello(new SniResult.Found("other.example.com", false)).close())
        .isEqualTo(CloseReason.NO_ROUTE);
  }

  @Test
  void anotherTenantsNameOnADedicatedIpv4IsATenantMismatch() {
    var d = new SniRouting(TABLE, Scope.env("a"), 443).onHello(new SniResult.Found("b.example.com", false));
    assertThat(d.close()).isEqualTo(CloseReason.TENANT_MISMATCH);
    assertThat(new SniRouting(TABLE, Scope.env("a"), 443).onHello(new SniResult.Found("a.example.com", false))
        .route().id()).isEqualTo("a1");
  }

  @Test
  void noSniGoesToTheSoleRouteOrCloses() {
    assertThat(shared(8443).onHello(new SniResult.NoSni()).route().id()).isEqualTo("solo");
    assertThat(shared(443).onHello(new SniResult.NoSni()).close()).isEqualTo(CloseReason.NO_SNI);
    assertThat(new SniRouting(TABLE, Scope.env("a"), 443).onHello(new SniResult.NoSni()).route().id())
        .isEqualTo("a1");
  }

  @Test
  void echOuterNameWithoutARouteIsSniUnavailable() {
    var d = shared(8443).onHello(new SniResult.Found("public.example.net", true));
    assertThat(d.route().id()).isEqualTo("solo");
    assertThat(shared(443).onHello(new SniResult.Found("public.example.net", true)).close())
        .isEqualTo(CloseReason.NO_SNI);
  }

  @Test
  void notTlsNeedsTheSoleRouteToAllowIt() {
    assertThat(shared(8443).onHello(new SniResult.NotTls()).route().id()).isEqualTo("solo");
    assertThat(shared(9443).onHello(new SniResult.NotTls()).close()).isEqualTo(CloseReason.NOT_TLS);
    assertThat(shared(443).onHello(new SniResult.NotTls()).close()).isEqualTo(CloseReason.NOT_TLS);
  }

  @Test
  void tooLargeIsSniUnavailableAndMalformedNeverFallsBack() {
    assertThat(shared(9443).onHello(new SniResult.TooLarge()).route().id()).isEqualTo("strict");
    assertThat(shared(443).onHello(new SniResult.TooLarge()).close()).isEqualTo(CloseReason.HELLO_TOO_LARGE);
    var bad = shared(9443).onHello(new SniResult.Malformed("invalid host name"));
    assertThat(bad.close()).isEqualTo(CloseReason.MALFORMED_HELLO);
    assertThat(bad.sniffOutcome()).isEqualTo("malformed");
  }

  @Test
  void needMoreWaits() {
    assertThat(shared(443).onHello(new SniResult.NeedMore(true)).waiting()).isTrue();
  }

  @Test
  void timeoutCutsSilentClientsAndTreatsAPartialHelloAsSniUnavailable() {
    assertThat(shared(9443).onTimeout(false).close()).isEqualTo(CloseReason.SNIFF_TIMEOUT);
    assertThat(shared(9443).onTimeout(true).route().id()).isEqualTo("strict");
    assertThat(shared(443).onTimeout(true).close()).isEqualTo(CloseReason.SNIFF_TIMEOUT);
  }

  @Test
  void finBeforeAnyByteIsAClientCloseAndMidHelloIsSniUnavailable() {
    assertThat(shared(443).onFin(false).close()).isEqualTo(CloseReason.CLIENT_CLOSED);
    assertThat(shared(9443).onFin(true).route().id()).isEqualTo("strict");
    assertThat(shared(9443).onFin(true).sniffOutcome()).isEqualTo("truncated");
  }
}
