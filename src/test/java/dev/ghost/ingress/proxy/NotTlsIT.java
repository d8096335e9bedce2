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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Plain HTTP on a TLS listener is closed without a byte in reply, unless the only route on that port explicitly
 * allows non-TLS, in which case the bytes reach its backend exactly as sent.
 *
 * <p>Route ports: 443 holds two routes; 8443 one route with {@code allow_non_tls}; 9443 one route without it.
 */
class NotTlsIT {

  static final int SHARED = 443;
  static final int SOLE_ALLOWING = 8443;
  static final int SOLE_STRICT = 9443;
  static final int SHARED_ONE_ALLOWING = 7443;
  static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: myapp.example.com\r\nUser-Agent: not-tls-it\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  static Vertx vertx;
  static RecordingTcpBackend shared;
  static RecordingTcpBackend allowing;
  static RecordingTcpBackend strict;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    shared = RecordingTcpBackend.start(vertx, "::1");
    allowing = RecordingTcpBackend.start(vertx, "::1");
    strict = RecordingTcpBackend.start(vertx, "::1");
    node = TestNode.start(new TestNode.Spec().withoutProbes()
        .ipv6("::1")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, shared.address()))
        .route(RouteJson.tls("other", TestTls.OTHER, shared.address()))
        .route(RouteJson.tls("allowing", TestTls.TENANT_A, allowing.address()).port(SOLE_ALLOWING).allowNonTls())
        .route(RouteJson.tls("strict", TestTls.TENANT_B, strict.address()).port(SOLE_STRICT))
        .route(RouteJson.tls("lenient", TestTls.RAW, allowing.address()).port(SHARED_ONE_ALLOWING).allowNonTls())
        .route(RouteJson.tls("picky", TestTls.MULTI, strict.address()).port(SHARED_ONE_ALLOWING)));
  }

  @AfterAll
  static void stop() {
    node.awaitNoOpenConnections(Duration.ofSeconds(5));
    node.close();
    vertx.close().await();
  }

  @Test
  void plainHttpIsClosedWithNothingWrittenBack() throws Exception {
    double before = sniff("not_tls");
    double closedBefore = closed("not_tls");
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
      Wire.send(s, REQUEST);
      Wire.assertClosedSilentlyWithFin(s);
    }
    Await.until("closed{reason=not_tls} counted", () -> closed("not_tls") == closedBefore + 1);
    assertThat(sniff("not_tls")).isEqualTo(before + 1);
    assertThat(shared.accepted()).as("no backend was dialled").isZero();
  }

  @Test
  void plainHttpWithABodyStillArrivingIsClosedWithFin() throws Exception {
    // The verdict comes from the first bytes while more are in flight; the close must still be a FIN
    // (regression: unread input turned it into a reset).
    byte[] body = new byte[64 * 1024];
    java.util.Arrays.fill(body, (byte) 'x');
    for (int i = 0; i < 10; i++) {
      try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
        Wire.send(s, REQUEST);
        try {
          Wire.send(s, body);
        } catch (java.io.IOException alreadyClosed) {
          // the ingress may have closed before the body was written; the read below still tells how
        }
        Wire.assertClosedSilentlyWithFin(s);
      }
    }
  }

  @Test
  void plainHttpIsClosedOnASoleRouteThatDoesNotAllowIt() throws Exception {
    try (Socket s = Wire.connect("::1", node.port("::1", SOLE_STRICT))) {
      Wire.send(s, REQUEST);
      Wire.assertClosedSilentlyWithFin(s);
    }
    assertThat(strict.accepted()).as("no backend was dialled").isZero();
  }

  @Test
  void plainHttpIsClosedWhenTheRouteAllowingItSharesThePort() throws Exception {
    // allow_non_tls only counts when that route is the only one there: no guessing between two.
    int allowingBefore = allowing.accepted();
    int strictBefore = strict.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED_ONE_ALLOWING))) {
      Wire.send(s, REQUEST);
      Wire.assertClosedSilentlyWithFin(s);
    }
    assertThat(allowing.accepted()).isEqualTo(allowingBefore);
    assertThat(strict.accepted()).isEqualTo(strictBefore);
  }

  @Test
  void plainHttpReachesTheSoleRouteThatAllowsItByteExact() throws Exception {
    byte[] more = "and then some more bytes\n".getBytes(StandardCharsets.US_ASCII);
    int index = allowing.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SOLE_ALLOWING))) {
      Wire.send(s, REQUEST);
      Await.until("the backend got the request", () -> allowing.accepted() > index
          && allowing.connection(index).size() >= REQUEST.length);
      Wire.send(s, more);
      s.shutdownOutput();
      Await.until("the client's FIN was forwarded", () -> allowing.connection(index).ended());
    }
    assertThat(allowing.connection(index).bytes()).isEqualTo(ClientHellos.concat(REQUEST, more));
  }

  @Test
  void tlsStillWorksOnTheRouteThatAllowsNonTls() throws Exception {
    // allow_non_tls is a fallback, not a mode: a TLS hello for the route's name is routed as usual.
    byte[] hello = ClientHellos.jdk(TestTls.TENANT_A, "TLSv1.3");
    int index = allowing.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SOLE_ALLOWING))) {
      Wire.send(s, hello);
      s.shutdownOutput();
      Await.until("the backend got the hello and the FIN", () -> allowing.accepted() > index
          && allowing.connection(index).ended());
    }
    assertThat(allowing.connection(index).bytes()).isEqualTo(hello);
  }

  private static double sniff(String outcome) {
    return node.node().services().metrics().count(MetricNames.SNIFF, "outcome", outcome);
  }

  private static double closed(String reason) {
    return node.node().services().metrics()
        .count(MetricNames.CONNECTIONS_CLOSED, "reason", reason, "route", "none");
  }
}
