package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Static route conflicts: the first route in file order keeps the key and gets the traffic; the loser is listed on
 * {@code /v1/routes} and counted in {@code ghost_route_conflicts}.
 */
class ConflictsIT {

  private static final int PORT = 7300;

  RawServer first;
  RawServer second;

  @BeforeEach
  void backends() throws Exception {
    first = RawServer.capture("::1");
    second = RawServer.capture("::1");
  }

  @AfterEach
  void close() {
    first.close();
    second.close();
  }

  @Test
  void sameHostAndPortFirstInFileOrderWins() throws Exception {
    try (TestNode node = TestNode.start(spec()
        .route(RouteJson.tls("first", TestTls.MYAPP, first.backend()))
        .route(RouteJson.tls("second", TestTls.MYAPP, second.backend())))) {
      sendHello(node, 443, TestTls.MYAPP, first);
      assertThat(second.accepted()).isZero();
      assertConflict(node, "first", "second", 443);
    }
  }

  @Test
  void rawThenTlsOnOnePortRawWins() throws Exception {
    try (TestNode node = TestNode.start(spec()
        .route(RouteJson.raw("raw", PORT, first.backend()))
        .route(RouteJson.tls("tls", TestTls.OTHER, second.backend()).port(PORT)))) {
      sendHello(node, PORT, TestTls.OTHER, first);
      assertThat(second.accepted()).isZero();
      assertConflict(node, "raw", "tls", PORT);
    }
  }

  @Test
  void tlsThenRawOnOnePortTlsWins() throws Exception {
    try (TestNode node = TestNode.start(spec()
        .route(RouteJson.tls("tls", TestTls.OTHER, first.backend()).port(PORT))
        .route(RouteJson.raw("raw", PORT, second.backend())))) {
      sendHello(node, PORT, TestTls.OTHER, first);
      assertThat(second.accepted()).isZero();
      assertConflict(node, "tls", "raw", PORT);
    }
  }

  private static TestNode.Spec spec() {
    return new TestNode.Spec().withoutProbes().set("proxy.sniff_timeout", "5s").ipv6("::1");
  }

  private static void sendHello(TestNode node, int routePort, String sni, RawServer expected) throws Exception {
    byte[] hello = ClientHellos.jdk(sni, "TLSv1.3");
    try (Socket client = Clients.connect("::1", node.port("::1", routePort))) {
      client.getOutputStream().write(hello);
      Await.until("the hello at the winner", () -> !expected.connections().isEmpty()
          && expected.connections().get(0).size() >= hello.length);
      assertThat(expected.connections().get(0).bytes()).isEqualTo(hello);
    }
  }

  private static void assertConflict(TestNode node, String winner, String loser, int port) {
    JsonObject routes = Probe.routes(node);
    JsonArray conflicts = routes.getJsonArray("conflicts");
    assertThat(conflicts.size()).as(conflicts.encode()).isEqualTo(1);
    JsonObject c = conflicts.getJsonObject(0);
    assertThat(c.getString("winner")).isEqualTo(winner);
    assertThat(c.getString("loser")).isEqualTo(loser);
    assertThat(c.getInteger("port")).isEqualTo(port);
    assertThat(routes.getJsonArray("routes").stream().map(r -> ((JsonObject) r).getString("id")))
        .containsExactly(winner);
    assertThat(Probe.metricText(Probe.get(node, "/metrics"), "ghost_route_conflicts")).isEqualTo(1.0);
  }
}
