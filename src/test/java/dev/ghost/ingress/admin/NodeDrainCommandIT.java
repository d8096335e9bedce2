package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.observe.BusAddresses;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On a standalone in-JVM node: the draining counts of an admin-drained backend on {@code /v1/status} and through the
 * {@code draining} bus command (1 while its connection is open, 0 after), and the {@code drain-node} command on the
 * event bus (the drain runs and the node ends closed; a second request is "already draining"; the fleet-wide
 * address is refused).
 */
class NodeDrainCommandIT {

  static final int PORT = 7970;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static RawServer echo;

  @BeforeAll
  static void start() throws Exception {
    echo = RawServer.echo("::1");
  }

  @AfterAll
  static void stop() {
    echo.close();
  }

  static TestNode node() throws Exception {
    return TestNode.start(new TestNode.Spec().ipv6("::1").set("proxy.shutdown_timeout", "1s")
        .route(RouteJson.raw("app", PORT, echo.backend())));
  }

  @Test
  void anAdminDrainedBackendCountsItsOpenConnectionOnStatusAndOnTheBus() throws Exception {
    try (TestNode node = node()) {
      String b = echo.backend();
      try (Socket client = Clients.connect("::1", node.port("::1", PORT))) {
        echoes(client);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.admin("/v1/backends/drain")))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("backend", b).encode())).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Await.until("/v1/status draining " + b + " = 1", () -> statusDraining(node).getInteger(b, -1) == 1,
            () -> statusDraining(node).encode());
        JsonObject viaBus = request(node, BusAddresses.adminNode(node.node().state().nodeId(), "draining"));
        assertThat(viaBus.getJsonObject("draining").getJsonObject(b).getInteger("open")).isEqualTo(1);
        assertThat(viaBus.getJsonObject("draining").getJsonObject(b).getJsonObject("nodes")
            .getInteger(node.node().state().nodeId())).isEqualTo(1);
        echoes(client);
      }
      Await.until("/v1/status draining " + b + " = 0 (listed while drained)",
          () -> statusDraining(node).getInteger(b, -1) == 0, () -> statusDraining(node).encode());
      assertThat(Probe.get(node, "/metrics")).contains("ghost_connections_draining 0.0");
    }
  }

  @Test
  void drainNodeOnTheBusDrainsTheNodeOnceAndTheFleetWideAddressIsRefused() throws Exception {
    try (TestNode node = node()) {
      String id = node.node().state().nodeId();
      assertThatThrownBy(() -> request(node, BusAddresses.adminAll("drain-node")))
          .isInstanceOf(ReplyException.class).hasMessageContaining("drain-node is per node");
      JsonObject started = request(node, BusAddresses.adminNode(id, "drain-node"));
      assertThat(started.getBoolean("draining")).isTrue();
      assertThat(started.getLong("deadline_ms")).isEqualTo(1_000);
      assertThatThrownBy(() -> request(node, BusAddresses.adminNode(id, "drain-node")))
          .hasMessageContaining("already_draining");
      assertThat(node.node().state().phase()).isEqualTo(NodeState.Phase.DRAINING);
      node.node().drained().await(); // an in-JVM node just ends closed
    }
  }

  static JsonObject statusDraining(TestNode node) {
    return new JsonObject(Probe.get(node, "/v1/status")).getJsonObject("draining");
  }

  static JsonObject request(TestNode node, String address) {
    return node.node().vertx().eventBus().<JsonObject>request(address, new JsonObject()).await().body();
  }

  static void echoes(Socket s) throws Exception {
    byte[] b = Clients.ascii("ping");
    s.getOutputStream().write(b);
    assertThat(Clients.readExactly(s, b.length)).isEqualTo(b);
  }
}
