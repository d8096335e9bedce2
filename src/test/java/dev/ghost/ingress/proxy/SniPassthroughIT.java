package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.ProxyProtocolHttpsBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SNI routing without termination: a JDK TLS client completes its handshake with the backend's own certificate
 * through the ingress, and the backend (Vert.x parsing PROXY v2) sees the client's real address.
 */
class SniPassthroughIT {

  static Vertx vertx;
  static ProxyProtocolHttpsBackend myapp;
  static ProxyProtocolHttpsBackend other;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    myapp = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.MYAPP);
    other = ProxyProtocolHttpsBackend.start(vertx, "127.0.0.1", TestTls.OTHER);
    // A cold JDK TLS client can take longer than the 200 ms default to write its first hello
    node = TestNode.start(new TestNode.Spec()
        .set("proxy.sniff_timeout", "5s")
        .ipv6("::1")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, TestNode.hostPort("::1", myapp.actualPort())).proxyV2())
        .route(RouteJson.tls("other", TestTls.OTHER, TestNode.hostPort("127.0.0.1", other.actualPort())).proxyV2()));
  }

  @AfterAll
  static void stop() {
    node.close();
    vertx.close().await();
  }

  @ParameterizedTest(name = "{0} over {1}")
  @CsvSource({
      "myapp.example.com, TLSv1.3",
      "myapp.example.com, TLSv1.2",
      "other.example.com, TLSv1.3",
      "OTHER.Example.COM, TLSv1.2"})
  void handshakeReachesTheBackendNamedBySni(String sni, String protocol) throws Exception {
    int port = node.port("::1", 443);
    try (SSLSocket tls = TestTls.connect("::1", port, sni, protocol)) {
      String expected = sni.toLowerCase(java.util.Locale.ROOT);
      assertThat(TestTls.peerCommonName(tls)).isEqualTo(expected);
      assertThat(tls.getSession().getProtocol()).isEqualTo(protocol);
      String body = TestTls.body(TestTls.httpGet(tls, expected, "/"));
      assertThat(body).startsWith("client=0:0:0:0:0:0:0:1:" + tls.getLocalPort() + " ");
    }
  }
}
