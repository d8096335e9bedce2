package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.RecordingTcpBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.Vertx;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Large ClientHellos (post-quantum key shares make 2 KB normal and 8 KB+ possible) are reassembled across records
 * and routed with their bytes unchanged while they fit {@code proxy.max_sniff_bytes}; past the cap they are
 * "SNI unavailable" (reset where two routes share the port, sole route otherwise). An invalid host name is
 * malformed and closed, never the no-SNI fallback.
 *
 * <p>Two nodes: {@code roomy} with a 16 KiB cap, {@code strict} with the default 8192. Each has two routes on 443
 * and one sole route on 8443.
 */
class HelloLimitsIT {

  static final int SHARED = 443;
  static final int SOLE = 8443;
  static final int DEFAULT_CAP = 8192;
  static final int PROXIED = 9443;

  static Vertx vertx;
  static RecordingTcpBackend myapp;
  static RecordingTcpBackend other;
  static RecordingTcpBackend sole;
  static TestNode roomy;
  static TestNode strict;
  static TestNode huge;
  static RecordingTcpBackend proxied;

  @BeforeAll
  static void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    myapp = RecordingTcpBackend.start(vertx, "::1");
    other = RecordingTcpBackend.start(vertx, "::1");
    sole = RecordingTcpBackend.start(vertx, "::1");
    proxied = RecordingTcpBackend.start(vertx, "::1");
    roomy = TestNode.start(spec().set("proxy.max_sniff_bytes", 16384));
    strict = TestNode.start(spec());
    huge = TestNode.start(spec().set("proxy.max_sniff_bytes", 65536));
  }

  private static TestNode.Spec spec() {
    return new TestNode.Spec().withoutProbes()
        .ipv6("::1")
        .set("proxy.sniff_timeout", "2s")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, myapp.address()))
        .route(RouteJson.tls("other", TestTls.OTHER, other.address()))
        .route(RouteJson.tls("sole", TestTls.TENANT_A, sole.address()).port(SOLE))
        .route(RouteJson.tls("proxied", TestTls.TENANT_B, proxied.address()).port(PROXIED).proxyV2());
  }

  @AfterAll
  static void stop() {
    roomy.awaitNoOpenConnections(Duration.ofSeconds(5));
    strict.awaitNoOpenConnections(Duration.ofSeconds(5));
    huge.awaitNoOpenConnections(Duration.ofSeconds(5));
    roomy.close();
    strict.close();
    huge.close();
    vertx.close().await();
  }

  static byte[] padded(String sni, int total, int fragment) {
    byte[] hello = ClientHellos.synthetic().sni(sni).supportedVersions().paddedTo(total).build();
    return fragment > 0 ? ClientHellos.reframe(hello, fragment) : hello;
  }

  @Test
  void postQuantumSizedHelloIsRoutedWithTheDefaultCap() throws Exception {
    byte[] hello = padded(TestTls.MYAPP, 2048, 0);
    assertThat(hello).hasSize(2048);
    assertForwardedExactly(strict, SHARED, hello, myapp);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {8500, 12000, 16359}) // 16359 re-framed in 3000-byte records is exactly 16384
  void largeHelloOverSeveralRecordsIsRoutedUnderA16KCap(int size) throws Exception {
    byte[] hello = padded(TestTls.MYAPP, size, 3000);
    assertThat(ClientHellos.splitRecords(hello)).hasSizeGreaterThan(2);
    assertThat(hello.length).isLessThanOrEqualTo(16384);
    assertForwardedExactly(roomy, SHARED, hello, myapp);
  }

  @Test
  void helloOfExactlyTheCapIsRouted() throws Exception {
    assertForwardedExactly(strict, SHARED, padded(TestTls.OTHER, DEFAULT_CAP, 0), other);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {DEFAULT_CAP + 1, 9000, 12000})
  void helloOverTheCapIsResetWhereTwoRoutesShareThePort(int size) throws Exception {
    byte[] hello = padded(TestTls.MYAPP, size, 3000);
    int myappBefore = myapp.accepted();
    double tooLarge = sniff(strict, "too_large");
    try (Socket s = Wire.connect("::1", strict.port("::1", SHARED))) {
      Wire.send(s, hello);
      Wire.assertResetSilently(s);
    }
    Await.until("sniff{outcome=too_large} counted", () -> sniff(strict, "too_large") == tooLarge + 1);
    Await.until("closed{reason=hello_too_large} counted", () -> strict.node().services().metrics()
        .count(MetricNames.CONNECTIONS_CLOSED, "reason", "hello_too_large", "route", "none") >= 1);
    assertThat(myapp.accepted()).as("no backend was dialled").isEqualTo(myappBefore);
  }

  @Test
  void helloOverTheCapGoesToTheSoleRouteWithEveryByteUnchanged() throws Exception {
    // Bytes past the cap were never parsed but are forwarded all the same.
    byte[] hello = padded(TestTls.TENANT_A, 12000, 3000);
    assertForwardedExactly(strict, SOLE, hello, sole);
  }

  @Test
  void helloOverTheCapInOneRecordGoesToTheSoleRoute() throws Exception {
    assertForwardedExactly(strict, SOLE, padded(TestTls.TENANT_A, 12000, 0), sole);
  }

  @Test
  void helloLargerThanOneRecordIsRoutedUnderA64KCap() throws Exception {
    // 40000 bytes: three records, two of them full 2^14-byte fragments.
    byte[] hello = padded(TestTls.MYAPP, 40000, 0);
    assertThat(ClientHellos.splitRecords(hello)).hasSize(3);
    assertForwardedExactly(huge, SHARED, hello, myapp);
  }

  @Test
  void helloOverA16KCapIsResetWhereTwoRoutesShareThePort() throws Exception {
    byte[] hello = padded(TestTls.MYAPP, 16385, 0);
    try (Socket s = Wire.connect("::1", roomy.port("::1", SHARED))) {
      Wire.send(s, hello);
      Wire.assertResetSilently(s);
    }
  }

  @Test
  void helloOverTheCapOnAProxiedSoleRouteGetsTheHeaderThenEveryByte() throws Exception {
    byte[] hello = padded(TestTls.TENANT_B, 12000, 3000);
    int index = proxied.accepted();
    byte[] header;
    try (Socket s = Wire.connect("::1", strict.port("::1", PROXIED))) {
      header = ProxyHeaderV2.encode((java.net.InetSocketAddress) s.getLocalSocketAddress(),
          (java.net.InetSocketAddress) s.getRemoteSocketAddress());
      Wire.send(s, hello);
      s.shutdownOutput();
      Await.until("the backend got the header, the hello and the FIN", () -> proxied.accepted() > index
          && proxied.connection(index).ended());
    }
    assertThat(header).hasSize(52);
    assertThat(proxied.connection(index).bytes()).isEqualTo(ClientHellos.concat(header, hello));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(ints = {SHARED, SOLE})
  void invalidHostNameIsMalformedAndClosedEvenWithASoleRoute(int routePort) throws Exception {
    byte[] hello = ClientHellos.synthetic().sni("bad_name.example.com").supportedVersions().build();
    int soleBefore = sole.accepted();
    double malformed = sniff(strict, "malformed");
    try (Socket s = Wire.connect("::1", strict.port("::1", routePort))) {
      Wire.send(s, hello);
      Wire.assertClosedSilentlyWithFin(s);
    }
    Await.until("sniff{outcome=malformed} counted", () -> sniff(strict, "malformed") == malformed + 1);
    assertThat(sole.accepted()).as("no fallback to the sole route").isEqualTo(soleBefore);
  }

  private static void assertForwardedExactly(TestNode node, int routePort, byte[] hello, RecordingTcpBackend to)
      throws Exception {
    int index = to.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", routePort))) {
      Wire.send(s, hello);
      s.shutdownOutput();
      Await.until("the backend got the hello and the FIN", Duration.ofSeconds(5),
          () -> to.accepted() > index && to.connection(index).ended());
    }
    assertThat(to.connection(index).bytes()).isEqualTo(hello);
  }

  private static double sniff(TestNode node, String outcome) {
    return node.node().services().metrics().count(MetricNames.SNIFF, "outcome", outcome);
  }
}
