package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import java.net.Socket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connection limits: over the per-client-IP, per-route or global limit a connection is reset at once and counted
 * with its reason, and the slot comes back when the connection holding it ends.
 */
class LimitsIT {

  private static final int PORT = 7700;

  static RawServer echo;

  @BeforeAll
  static void start() throws Exception {
    echo = RawServer.echo("::1");
  }

  @AfterAll
  static void stop() {
    echo.close();
  }

  @Test
  void perClientIp() throws Exception {
    try (TestNode node = TestNode.start(spec().set("limits.max_connections_per_ip", 1)
        .route(RouteJson.raw("echo", PORT, echo.backend())))) {
      assertSecondIsReset(node, "limit_client_ip");
    }
  }

  @Test
  void perRoute() throws Exception {
    try (TestNode node = TestNode.start(spec()
        .route(RouteJson.raw("echo", PORT, echo.backend()).maxConnections(1)))) {
      assertSecondIsReset(node, "limit_route");
    }
  }

  @Test
  void global() throws Exception {
    try (TestNode node = TestNode.start(spec().set("limits.max_connections", 1)
        .route(RouteJson.raw("echo", PORT, echo.backend())))) {
      assertSecondIsReset(node, "limit_global");
    }
  }

  private static TestNode.Spec spec() {
    return new TestNode.Spec().ipv6("::1");
  }

  private static void assertSecondIsReset(TestNode node, String reason) throws Exception {
    int port = node.port("::1", PORT);
    try (Socket first = Clients.connect("::1", port)) {
      echoes(first, "first");
      assertThat(Clients.connectExpectingNoData("::1", port, null)).isEqualTo(Clients.Ending.RESET);
      Await.until("closed{reason=" + reason + "}", () -> Probe.closed(node, reason) == 1.0);
      echoes(first, "first still works");
    }
    // the slot is released when the first connection ends
    Await.until("the slot to be free", () -> node.node().services().limits().open() == 0);
    try (Socket third = Clients.connect("::1", port)) {
      echoes(third, "third");
    }
    assertThat(Probe.closed(node, reason)).isEqualTo(1.0);
  }

  private static void echoes(Socket s, String text) throws Exception {
    byte[] b = Clients.ascii(text);
    s.getOutputStream().write(b);
    assertThat(Clients.readExactly(s, b.length)).isEqualTo(b);
  }
}
