package dev.ghost.ingress.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.proxy.ProxyHeaderV2;
import dev.ghost.ingress.proxy.ProxyHeaderV2.Tlvs;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves the test backends parse PROXY v2 with code that is not ours: write a header by hand with
 * {@link ProxyHeaderV2}, then TLS with SNI, then GET, and expect the backend to report the header's client address
 * (never the real socket's) and to present its own certificate.
 */
class HarnessIT {

  /** Documentation addresses (RFC 5737, RFC 3849): never the real peer of a loopback socket. */
  private static final InetSocketAddress FAKE_CLIENT_V4 = new InetSocketAddress("203.0.113.7", 40001);
  private static final InetSocketAddress FAKE_REACHED_V4 = new InetSocketAddress("198.51.100.9", 443);
  private static final InetSocketAddress FAKE_CLIENT_V6 = new InetSocketAddress("2001:db8::7", 40002);
  private static final InetSocketAddress FAKE_REACHED_V6 = new InetSocketAddress("2001:db8::9", 8443);

  private static final Pattern NGINX_LINE = Pattern.compile("client=(.+):(\\d+) server=(\\S+)");
  private static final Pattern VERTX_LINE = Pattern.compile("client=(.+):(\\d+) sni=(\\S+) local=(.+):(\\d+)");

  private static Vertx vertx;
  private static final List<ProxyProtocolHttpsBackend> vertxBackends = new ArrayList<>();
  private static NginxBackend nginx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopAll() throws Exception {
    vertxBackends.forEach(ProxyProtocolHttpsBackend::close);
    if (nginx != null) {
      nginx.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Transport family x header family (an IPv4 header over IPv6 is what an IPv4 client to an overlay backend gets). */
  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (String transport : List.of("127.0.0.1", "::1")) {
      for (boolean v6Header : List.of(false, true)) {
        cases.add(Arguments.of(transport, v6Header, "TLSv1.2", Tlvs.NONE));
        cases.add(Arguments.of(transport, v6Header, "TLSv1.3",
            Tlvs.NONE.withAuthority(TestTls.TENANT_A).withUniqueId("conn-42").withCrc32c()));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "nginx over {0}, IPv6 header {1}, {2}, {3}")
  @MethodSource("cases")
  void nginxReportsTheClientFromTheProxyHeader(String transport, boolean v6Header, String tls, Tlvs tlvs)
      throws IOException {
    NginxBackend backend = nginx();
    assumeIpv6(transport, backend.hasIpv6());
    InetSocketAddress client = v6Header ? FAKE_CLIENT_V6 : FAKE_CLIENT_V4;
    InetSocketAddress reached = v6Header ? FAKE_REACHED_V6 : FAKE_REACHED_V4;

    String body = exchange(transport, backend.port(), client, reached, tlvs, TestTls.TENANT_A, tls,
        TestTls.TENANT_A);

    Matcher m = NGINX_LINE.matcher(body);
    assertThat(m.matches()).as(body).isTrue();
    assertThat(InetAddress.getByName(m.group(1))).isEqualTo(client.getAddress());
    assertThat(Integer.parseInt(m.group(2))).isEqualTo(client.getPort());
    assertThat(m.group(3)).isEqualTo(TestTls.TENANT_A);
  }

  @ParameterizedTest(name = "vert.x over {0}, IPv6 header {1}, {2}, {3}")
  @MethodSource("cases")
  void vertxReportsTheClientFromTheProxyHeader(String transport, boolean v6Header, String tls, Tlvs tlvs)
      throws Exception {
    assumeIpv6(transport, NginxBackend.hasIpv6Loopback());
    ProxyProtocolHttpsBackend backend = ProxyProtocolHttpsBackend.start(vertx, transport, TestTls.TENANT_B);
    vertxBackends.add(backend);
    InetSocketAddress client = v6Header ? FAKE_CLIENT_V6 : FAKE_CLIENT_V4;
    InetSocketAddress reached = v6Header ? FAKE_REACHED_V6 : FAKE_REACHED_V4;

    String body = exchange(transport, backend.actualPort(), client, reached, tlvs, TestTls.TENANT_B, tls,
        TestTls.TENANT_B);

    Matcher m = VERTX_LINE.matcher(body);
    assertThat(m.matches()).as(body).isTrue();
    assertThat(InetAddress.getByName(m.group(1))).isEqualTo(client.getAddress());
    assertThat(Integer.parseInt(m.group(2))).isEqualTo(client.getPort());
    assertThat(m.group(3)).isEqualTo(TestTls.TENANT_B);
    assertThat(InetAddress.getByName(m.group(4))).isEqualTo(reached.getAddress());
    assertThat(Integer.parseInt(m.group(5))).isEqualTo(reached.getPort());
  }

  @Test
  void plainTlsClientSeesEachBackendsOwnCertificate() throws Exception {
    ProxyProtocolHttpsBackend backend = ProxyProtocolHttpsBackend.start(vertx, "127.0.0.1", TestTls.MULTI);
    vertxBackends.add(backend);
    try (Socket plain = new Socket("127.0.0.1", backend.actualPort())) {
      plain.getOutputStream().write(ProxyHeaderV2.encode(FAKE_CLIENT_V4, FAKE_REACHED_V4));
      SSLSocket tls = TestTls.handshake(plain, TestTls.RAW, "TLSv1.3");
      assertThat(TestTls.peerCommonName(tls)).isEqualTo(TestTls.MULTI);
      assertThat(TestTls.peerSubjectAltNames(tls))
          .contains(TestTls.MYAPP, TestTls.RAW, "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
      tls.close();
    }
  }

  /**
   * Connects to {@code transport:port}, writes the header, handshakes with {@code sni}, checks the certificate and
   * returns the response body.
   */
  private static String exchange(String transport, int port, InetSocketAddress client, InetSocketAddress reached,
      Tlvs tlvs, String sni, String tlsProtocol, String expectedCert) throws IOException {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(transport, port), TestTls.SOCKET_TIMEOUT_MILLIS);
      // The real peer is loopback, so a backend echoing the header's address proves it parsed the header.
      assertThat(plain.getLocalAddress()).isNotEqualTo(client.getAddress());
      plain.getOutputStream().write(ProxyHeaderV2.encode(client, reached, tlvs));

      try (SSLSocket tls = TestTls.handshake(plain, sni, tlsProtocol)) {
        assertThat(tls.getSession().getProtocol()).isEqualTo(tlsProtocol);
        assertThat(TestTls.peerCommonName(tls)).isEqualTo(expectedCert);
        assertThat(TestTls.peerSubjectAltNames(tls)).containsExactly(expectedCert);
        String response = TestTls.httpGet(tls, sni, "/");
        assertThat(response).startsWith("HTTP/1.1 200");
        return TestTls.body(response);
      }
    }
  }

  private static synchronized NginxBackend nginx() throws IOException {
    if (nginx == null) {
      nginx = NginxBackend.start(TestTls.TENANT_A, TestTls.TENANT_A);
    }
    return nginx;
  }

  private static void assumeIpv6(String transport, boolean available) {
    if (transport.contains(":") && !available) {
      Assumptions.abort("no IPv6 loopback on this host");
    }
  }
}
