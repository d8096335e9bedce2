package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** tcp_raw: any bytes both ways unchanged, server-first protocols, and the port denylist. */
class RawTcpIT {

  private static final byte[] BANNER = Clients.ascii("220 hello\r\n");

  static RawServer echo;
  static RawServer banner;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    echo = RawServer.echo("127.0.0.1");
    banner = RawServer.banner("::1", BANNER);
    node = TestNode.start(new TestNode.Spec()
        .ipv6("::1")
        .route(RouteJson.raw("echo", 7400, echo.backend()))
        .route(RouteJson.raw("banner", 7401, banner.backend()))
        .route(RouteJson.raw("smtp", 25, echo.backend())));
  }

  @AfterAll
  static void stop() {
    node.close();
    echo.close();
    banner.close();
  }

  @Test
  void everyByteValueIsEchoedExactly() throws Exception {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    try (Socket client = Clients.connect("::1", node.port("::1", 7400))) {
      client.getOutputStream().write(all);
      assertThat(Clients.readExactly(client, all.length)).isEqualTo(all);
      client.shutdownOutput();
      assertThat(Clients.readToEof(client)).isEmpty();
    }
  }

  @Test
  void serverFirstBannerReachesTheClient() throws Exception {
    try (Socket client = Clients.connect("::1", node.port("::1", 7401))) {
      assertThat(Clients.readExactly(client, BANNER.length)).isEqualTo(BANNER);
    }
  }

  @Test
  void deniedPortIsRejectedAndNeverBound() {
    JsonObject routes = Probe.routes(node);
    JsonArray rejected = routes.getJsonArray("rejected");
    assertThat(rejected.stream().map(r -> ((JsonObject) r).getString("route_id"))).containsExactly("smtp");
    assertThat(rejected.getJsonObject(0).getString("reason")).contains("25");
    assertThat(routes.getJsonArray("routes").stream().map(r -> ((JsonObject) r).getString("id")))
        .containsExactlyInAnyOrder("echo", "banner");
    assertThat(node.node().bound().port("::1", 25)).isLessThanOrEqualTo(0);
    JsonArray sockets = new JsonObject(Probe.get(node, "/v1/status")).getJsonArray("bound_sockets");
    assertThat(sockets.stream().map(s -> ((JsonObject) s).getInteger("route_port"))).doesNotContain(25)
        .contains(7400, 7401);
  }
}
