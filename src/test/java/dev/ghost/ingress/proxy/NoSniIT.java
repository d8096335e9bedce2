package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.ProxyProtocolHttpsBackend;
import dev.ghost.ingress.testing.RecordingTcpBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.Vertx;
import java.net.Socket;
import java.time.Duration;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A hello without SNI (or whose SNI is unavailable: an ECH outer name nobody routes) goes to the only route on its
 * address and port, and is closed with a bare FIN where two routes share the port. No default backend, no guess.
 *
 * <p>Route ports: 443 holds two routes (myapp, other); 8443 holds only tenant-a (a TLS backend, to complete real
 * handshakes); 9443 holds only raw.example.com (a recording backend, to compare forwarded bytes).
 */
class NoSniIT {

  static final int SHARED = 443;
  static final int SOLE_TLS = 8443;
  static final int SOLE_RECORDING = 9443;
  static final String UNROUTED_PUBLIC_NAME = "public.example.net";

  static Vertx vertx;
  static ProxyProtocolHttpsBackend myapp;
  static RecordingTcpBackend other;
  static ProxyProtocolHttpsBackend tenantA;
  static RecordingTcpBackend raw;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    myapp = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.MYAPP);
    other = RecordingTcpBackend.start(vertx, "::1");
    tenantA = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.TENANT_A);
    raw = RecordingTcpBackend.start(vertx, "::1");
    node = TestNode.start(new TestNode.Spec().withoutProbes()
        .ipv6("::1")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, TestNode.hostPort("::1", myapp.actualPort())).proxyV2())
        .route(RouteJson.tls("other", TestTls.OTHER, other.address()))
        .route(RouteJson.tls("tenant-a", TestTls.TENANT_A, TestNode.hostPort("::1", tenantA.actualPort()))
            .port(SOLE_TLS).proxyV2())
        .route(RouteJson.tls("raw", TestTls.RAW, raw.address()).port(SOLE_RECORDING)));
  }

  @AfterAll
  static void stop() {
    node.awaitNoOpenConnections(Duration.ofSeconds(5));
    node.close();
    vertx.close().await();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void helloWithoutSniCompletesWithTheSoleRoutesBackend(String protocol) throws Exception {
    double before = sniff("no_sni");
    try (SSLSocket tls = TestTls.connect("::1", node.port("::1", SOLE_TLS), null, protocol)) {
      assertThat(TestTls.peerCommonName(tls)).isEqualTo(TestTls.TENANT_A);
      String body = TestTls.body(TestTls.httpGet(tls, TestTls.TENANT_A, "/"));
      assertThat(body).startsWith("client=0:0:0:0:0:0:0:1:" + tls.getLocalPort() + " sni=null ");
    }
    assertThat(sniff("no_sni")).isEqualTo(before + 1);
  }

  @Test
  void helloWithoutSniIsClosedWithFinWhenTwoRoutesShareThePort() throws Exception {
    double before = closed("no_sni");
    int accepted = other.accepted();
    byte[] hello = ClientHellos.jdk(null, "TLSv1.3");
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
      Wire.send(s, hello);
      Wire.assertClosedSilentlyWithFin(s);
    }
    Await.until("closed{reason=no_sni} counted", () -> closed("no_sni") == before + 1);
    assertThat(other.accepted()).as("no backend was dialled").isEqualTo(accepted);
  }

  @Test
  void jdkClientWithoutSniSeesTheHandshakeEndWithoutAnAlert() throws Exception {
    // A real client's view of the same close: the handshake fails because the peer closed, not by an alert.
    assertThatThrownBy(() -> TestTls.connect("::1", node.port("::1", SHARED), null, "TLSv1.3").close())
        .isInstanceOf(SSLException.class)
        .hasMessageNotContaining("alert");
  }

  @Test
  void echOuterNameWithoutRouteFallsBackToTheSoleRouteWithBytesUnchanged() throws Exception {
    byte[] hello = ClientHellos.synthetic().sni(UNROUTED_PUBLIC_NAME).supportedVersions().ech().build();
    int index = raw.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SOLE_RECORDING))) {
      Wire.send(s, hello);
      Await.until("the sole route's backend got the hello", () -> raw.accepted() > index
          && raw.connection(index).size() >= hello.length);
      s.shutdownOutput();
      Await.until("the client's FIN was forwarded", () -> raw.connection(index).ended());
    }
    assertThat(raw.connection(index).bytes()).isEqualTo(hello);
  }

  @Test
  void echOuterNameWithoutRouteIsClosedWithFinWhenTwoRoutesShareThePort() throws Exception {
    byte[] hello = ClientHellos.synthetic().sni(UNROUTED_PUBLIC_NAME).supportedVersions().ech().build();
    int accepted = other.accepted();
    double before = closed("no_sni");
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
      Wire.send(s, hello);
      Wire.assertClosedSilentlyWithFin(s);
    }
    Await.until("closed{reason=no_sni} counted", () -> closed("no_sni") == before + 1);
    assertThat(other.accepted()).as("no backend was dialled").isEqualTo(accepted);
  }

  @Test
  void echOuterNameWithARouteIsRoutedByIt() throws Exception {
    byte[] hello = ClientHellos.synthetic().sni(TestTls.OTHER).supportedVersions().ech().build();
    int index = other.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
      Wire.send(s, hello);
      Await.until("other's backend got the hello", () -> other.accepted() > index
          && other.connection(index).size() >= hello.length);
      s.shutdownOutput();
      Await.until("the client's FIN was forwarded", () -> other.connection(index).ended());
    }
    assertThat(other.connection(index).bytes()).isEqualTo(hello);
  }

  private static double sniff(String outcome) {
    return node.node().services().metrics().count(MetricNames.SNIFF, "outcome", outcome);
  }

  private static double closed(String reason) {
    return node.node().services().metrics()
        .count(MetricNames.CONNECTIONS_CLOSED, "reason", reason, "route", "none");
  }

}
