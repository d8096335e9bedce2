package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
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

/**
 * A client that connects and sends nothing is cut at the sniff timeout (300 ms here) without a byte in reply, even
 * where a single route could take a hello without SNI: there is nothing to forward, so no backend is dialled.
 */
class SilentClientIT {

  static final Duration SNIFF_TIMEOUT = Duration.ofMillis(300);
  static final int SHARED = 443;
  static final int SOLE = 8443;

  static Vertx vertx;
  static RecordingTcpBackend backend;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    backend = RecordingTcpBackend.start(vertx, "::1");
    node = TestNode.start(new TestNode.Spec().withoutProbes()
        .ipv6("::1")
        .set("proxy.sniff_timeout", SNIFF_TIMEOUT.toMillis() + "ms")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, backend.address()))
        .route(RouteJson.tls("other", TestTls.OTHER, backend.address()))
        .route(RouteJson.tls("sole", TestTls.TENANT_A, backend.address()).port(SOLE)));
  }

  @AfterAll
  static void stop() {
    node.awaitNoOpenConnections(Duration.ofSeconds(5));
    node.close();
    vertx.close().await();
  }

  @Test
  void silentClientIsCutAtTheSniffTimeoutWhereTwoRoutesShareThePort() throws Exception {
    assertCutAtTimeout(SHARED);
  }

  @Test
  void silentClientIsCutAtTheSniffTimeoutEvenWithASoleRoute() throws Exception {
    assertCutAtTimeout(SOLE);
  }

  private static void assertCutAtTimeout(int routePort) throws Exception {
    double timeouts = sniff("timeout");
    double closed = closed("sniff_timeout");
    try (Socket s = Wire.connect("::1", node.port("::1", routePort))) {
      Wire.Ending e = Wire.readToEnd(s, Duration.ofSeconds(5));
      assertThat(e.bytes()).as("bytes written to a silent client").isEmpty();
      assertThat(e.end()).as("a limit closes with RST").isEqualTo(Wire.End.RST);
      // The timer starts at accept, a little before our read starts: allow some slack below, more above.
      assertThat(e.afterMillis()).isBetween(SNIFF_TIMEOUT.toMillis() - 100, SNIFF_TIMEOUT.toMillis() + 1500);
    }
    Await.until("sniff{outcome=timeout} counted", () -> sniff("timeout") == timeouts + 1);
    Await.until("closed{reason=sniff_timeout} counted", () -> closed("sniff_timeout") == closed + 1);
    assertThat(backend.accepted()).as("connections the backend saw").isZero();
  }

  private static double sniff(String outcome) {
    return node.node().services().metrics().count(MetricNames.SNIFF, "outcome", outcome);
  }

  private static double closed(String reason) {
    return node.node().services().metrics()
        .count(MetricNames.CONNECTIONS_CLOSED, "reason", reason, "route", "none");
  }
}
