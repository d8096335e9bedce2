package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/fleet/health} on a standalone node: a refused backend shows {@code ejected} for this node after a
 * failed connect, and {@code eligible} again after a successful one (panic mode tries the only, ejected backend).
 */
class FleetHealthIT {

  private static final String LOOPBACK = "127.0.0.1";

  static int port;
  static String backend;
  static TestNode node;
  static String nodeId;

  @BeforeAll
  static void start() throws Exception {
    port = RawServer.refusedPort(LOOPBACK);
    backend = TestNode.hostPort(LOOPBACK, port);
    node = TestNode.start(new TestNode.Spec()
        .set("proxy.eject_base", "30s") // the ejection outlasts the test: only the success restores it
        .ipv6("::1").route(RouteJson.raw("solo", 7700, backend)));
    nodeId = node.node().config().nodeId();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aRefusedBackendIsEjectedForThisNodeAndEligibleAfterASuccess() throws Exception {
    JsonObject initial = health();
    assertThat(initial.getJsonArray("nodes").getList()).containsExactly(nodeId);
    assertThat(cell(initial)).isEqualTo("eligible"); // listed from the route table before any failure

    Clients.connectExpectingNoData("::1", node.port("::1", 7700), null);
    Await.until("/v1/fleet/health shows the backend ejected", () -> "ejected".equals(cell(health())),
        () -> health().encode());
    assertThat(health().getJsonArray("nodes").getList()).containsExactly(nodeId);

    try (RawServer back = RawServer.echo(LOOPBACK, port)) {
      byte[] bytes = Clients.ascii("back again");
      try (Socket client = Clients.connect("::1", node.port("::1", 7700))) {
        client.getOutputStream().write(bytes);
        assertThat(Clients.readExactly(client, bytes.length)).isEqualTo(bytes);
      }
      Await.until("/v1/fleet/health shows the backend eligible", () -> "eligible".equals(cell(health())),
          () -> health().encode());
    }
  }

  private static JsonObject health() {
    return new JsonObject(Probe.get(node, "/v1/fleet/health"));
  }

  private static String cell(JsonObject matrix) {
    for (Object o : matrix.getJsonArray("backends")) {
      JsonObject row = (JsonObject) o;
      if (row.getString("backend").equals(backend)) {
        return row.getJsonObject("nodes").getString(nodeId);
      }
    }
    return null;
  }
}
