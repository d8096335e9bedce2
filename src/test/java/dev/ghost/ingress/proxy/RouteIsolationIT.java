package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.ProxyProtocolHttpsBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.Vertx;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two tenants on one shared listener: each name reaches only its own backend (told apart by the certificate the
 * backend presents), and a name nobody routes is closed with a bare FIN and counted as {@code no_route}.
 */
class RouteIsolationIT {

  static Vertx vertx;
  static ProxyProtocolHttpsBackend myapp;
  static ProxyProtocolHttpsBackend other;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    myapp = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.MYAPP);
    other = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.OTHER);
    node = TestNode.start(new TestNode.Spec()
        .ipv6("::1")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, TestNode.hostPort("::1", myapp.actualPort())).proxyV2())
        .route(RouteJson.tls("other", TestTls.OTHER, TestNode.hostPort("::1", other.actualPort())).proxyV2()));
  }

  @AfterAll
  static void stop() {
    node.close();
    vertx.close().await();
  }

  @ParameterizedTest(name = "{0} gets {1}")
  @CsvSource({
      "myapp.example.com, myapp.example.com, TLSv1.3",
      "other.example.com, other.example.com, TLSv1.3",
      "myapp.example.com, myapp.example.com, TLSv1.2",
      "other.example.com, other.example.com, TLSv1.2"})
  void eachNameReachesOnlyItsOwnBackend(String sni, String expectedCert, String protocol) throws Exception {
    for (int i = 0; i < 3; i++) {
      try (SSLSocket tls = TestTls.connect("::1", node.port("::1", 443), sni, protocol)) {
        assertThat(TestTls.peerCommonName(tls)).isEqualTo(expectedCert);
        String body = TestTls.body(TestTls.httpGet(tls, sni, "/"));
        assertThat(body).contains(" sni=" + sni + " ");
      }
    }
  }

  @Test
  void unknownNameIsClosedWithFinAndNothingWritten() throws Exception {
    double before = noRoute();
    try (Socket s = Wire.connect("::1", node.port("::1", 443))) {
      Wire.send(s, ClientHellos.jdk("unknown.example.com", "TLSv1.3"));
      Wire.assertClosedSilentlyWithFin(s);
    }
    Wire.await("closed{reason=no_route} counted", () -> noRoute() == before + 1);
  }

  private static double noRoute() {
    return node.node().services().metrics()
        .count(MetricNames.CONNECTIONS_CLOSED, "reason", "no_route", "route", "none");
  }
}
