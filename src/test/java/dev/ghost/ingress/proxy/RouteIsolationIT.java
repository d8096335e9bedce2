package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.ProxyProtocolHttpsBackend;
import dev.ghost.ingress.testing.RecordingTcpBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.Vertx;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  static ProxyProtocolHttpsBackend tenantA;
  static RecordingTcpBackend idn;
  static TestNode node;

  static final int SOLE = 8443;

  @BeforeAll
  static void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    myapp = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.MYAPP);
    other = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.OTHER);
    tenantA = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.TENANT_A);
    idn = RecordingTcpBackend.start(vertx, "::1");
    node = TestNode.start(new TestNode.Spec().withoutProbes()
        .ipv6("::1")
        .ipv4("127.0.0.1")
        .ipv4("127.0.0.2")
        .env("dev", "127.0.0.1")
        .env("ops", null)
        .route(RouteJson.tls("myapp", TestTls.MYAPP, TestNode.hostPort("::1", myapp.actualPort())).proxyV2().env("dev"))
        .route(RouteJson.tls("other", TestTls.OTHER, TestNode.hostPort("::1", other.actualPort())).proxyV2().env("ops"))
        .route(RouteJson.tls("idn", "B\u00FCcher.Example.COM.", idn.address()))
        .route(RouteJson.tls("deviation", "stra\u00DFe.example.com", idn.address()))
        .route(RouteJson.tls("sole", TestTls.TENANT_A, TestNode.hostPort("::1", tenantA.actualPort())).port(SOLE)
            .proxyV2()));
  }

  @AfterAll
  static void stop() {
    node.awaitNoOpenConnections(Duration.ofSeconds(5));
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
    byte[] hello = ClientHellos.jdk("unknown.example.com", "TLSv1.3");
    try (Socket s = Wire.connect("::1", node.port("::1", 443))) {
      Wire.send(s, hello);
      Wire.assertClosedSilentlyWithFin(s);
    }
    Await.until("closed{reason=no_route} counted", () -> noRoute() == before + 1);
  }

  @Test
  void unknownNameOnAPortWithASingleRouteIsClosedNotSentToThatRoute() throws Exception {
    // The sole-route fallback is for hellos without a usable SNI; a name nobody routes is never guessed.
    double before = noRoute();
    byte[] hello = ClientHellos.jdk("unknown.example.com", "TLSv1.3");
    try (Socket s = Wire.connect("::1", node.port("::1", SOLE))) {
      Wire.send(s, hello);
      Wire.assertClosedSilentlyWithFin(s);
    }
    Await.until("closed{reason=no_route} counted", () -> noRoute() == before + 1);
  }

  @Test
  void dedicatedIpv4ServesItsOwnersName() throws Exception {
    try (SSLSocket tls = TestTls.connect("127.0.0.1", node.port("127.0.0.1", 443), TestTls.MYAPP, "TLSv1.3")) {
      assertThat(TestTls.peerCommonName(tls)).isEqualTo(TestTls.MYAPP);
      String body = TestTls.body(TestTls.httpGet(tls, TestTls.MYAPP, "/"));
      assertThat(body).startsWith("client=127.0.0.1:" + tls.getLocalPort() + " ");
    }
  }

  @Test
  void dedicatedIpv4ClosesAnotherTenantsName() throws Exception {
    double before = closed("tenant_mismatch");
    byte[] hello = ClientHellos.jdk(TestTls.OTHER, "TLSv1.3");
    try (Socket s = Wire.connect("127.0.0.1", node.port("127.0.0.1", 443))) {
      Wire.send(s, hello);
      Wire.assertClosedSilentlyWithFin(s);
    }
    Await.until("closed{reason=tenant_mismatch} counted", () -> closed("tenant_mismatch") == before + 1);
  }

  @Test
  void dedicatedIpv4SendsAHelloWithoutSniToItsOwnersOnlyRoute() throws Exception {
    // Two routes share 443 on IPv6, but on dev's IPv4 only myapp is reachable: the sole route there.
    try (SSLSocket tls = TestTls.connect("127.0.0.1", node.port("127.0.0.1", 443), null, "TLSv1.3")) {
      assertThat(TestTls.peerCommonName(tls)).isEqualTo(TestTls.MYAPP);
    }
  }

  @Test
  void ipv4AddressOwnedByNobodyServesNothing() throws Exception {
    // Decided at accept, racing the client's first bytes: repeated, because a close with those bytes still
    // unread must nevertheless reach the client as a FIN (regression: it was a reset when they won the race).
    double before = closed("unowned_address");
    byte[] hello = ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3");
    int attempts = 30;
    for (int i = 0; i < attempts; i++) {
      try (Socket s = Wire.connect("127.0.0.2", node.port("127.0.0.2", 443))) {
        Wire.send(s, hello);
        Wire.assertClosedSilentlyWithFin(s);
      }
    }
    Await.until("closed{reason=unowned_address} counted", () -> closed("unowned_address") == before + attempts);
  }

  @Test
  void noRouteIsScrapedFromPrometheus() throws Exception {
    byte[] hello = ClientHellos.jdk("nobody.example.com", "TLSv1.2");
    try (Socket s = Wire.connect("::1", node.port("::1", 443))) {
      Wire.send(s, hello);
      Wire.assertClosedSilentlyWithFin(s);
    }
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest req = HttpRequest.newBuilder(URI.create(node.admin("/metrics")))
        .build();
    String text = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern
        .compile("(?m)^ghost_connections_closed_total\\{[^}]*reason=\"no_route\"[^}]*\\} ([0-9.E]+)$").matcher(text);
    assertThat(m.find()).as(text).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isGreaterThanOrEqualTo(1);
    // every outcome shows from start at 0: the scrape must show this one counted
    assertThat(Probe.metricText(text, "ghost_sniff_total{outcome=\"found\"}"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void unicodeRouteNameIsReachedByItsALabel() throws Exception {
    byte[] hello = ClientHellos.jdk("xn--bcher-kva.example.com", "TLSv1.3");
    int index = idn.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", 443))) {
      Wire.send(s, hello);
      s.shutdownOutput();
      Await.until("the IDN route's backend got the hello", () -> idn.accepted() > index && idn.connection(index).ended());
    }
    assertThat(idn.connection(index).bytes()).isEqualTo(hello);
  }

  @ParameterizedTest
  @CsvSource({"strasse.example.com", "xn--strae-oqa.example.com"})
  void routeNameThatIdnaVersionsMapDifferentlyIsNotApplied(String sni) throws Exception {
    int accepted = idn.accepted();
    byte[] hello = ClientHellos.jdk(sni, "TLSv1.3");
    try (Socket s = Wire.connect("::1", node.port("::1", 443))) {
      Wire.send(s, hello);
      Wire.assertClosedSilentlyWithFin(s);
    }
    assertThat(idn.accepted()).isEqualTo(accepted);
    assertThat(node.node().services().metrics().registry().get(MetricNames.ROUTE_REJECTIONS).gauge().value())
        .isGreaterThanOrEqualTo(1);
  }

  private static double closed(String reason) {
    return node.node().services().metrics()
        .count(MetricNames.CONNECTIONS_CLOSED, "reason", reason, "route", "none");
  }

  private static double noRoute() {
    return node.node().services().metrics()
        .count(MetricNames.CONNECTIONS_CLOSED, "reason", "no_route", "route", "none");
  }
}
