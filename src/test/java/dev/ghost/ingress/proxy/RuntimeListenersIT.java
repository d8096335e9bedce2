package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Listeners follow the route table at runtime: a port a route gains is bound, a port routes lose is closed, and a
 * bind failure at runtime is reported (log, metric, /v1/routes) without taking the node down. On both transports:
 * native epoll binds a socket per listener instance, the others share Vert.x's servers.
 */
class RuntimeListenersIT {

  static final int STATIC_PORT = 7001;
  static final int ADDED_PORT = 7002;
  static final int BUSY_PORT = 7003;

  @Nested
  class Splice extends Cases {
    Splice() {
      super(Relays.SPLICE);
    }
  }

  @Nested
  class Buffered extends Cases {
    Buffered() {
      super(Relays.BUFFERED);
    }
  }

  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract static class Cases {

    final String relay;
    Vertx vertx;
    NetServer echo;
    ServerSocket occupied;
    TestNode node;

    Cases(String relay) {
      this.relay = relay;
    }

    @BeforeAll
    void start() throws Exception {
      vertx = Vertx.vertx();
      echo = vertx.createNetServer().connectHandler(s -> s.handler(s::write)).listen(0, "::1").await();
      occupied = new ServerSocket();
      occupied.bind(new InetSocketAddress("::1", 0));
      node = TestNode.start(new TestNode.Spec()
          .ipv6("::1")
          .set(Relays.SETTING, Relays.nativeTransport(relay))
          .set("listen.port_map", new JsonArray(List.of("443=0", STATIC_PORT + "=0", ADDED_PORT + "=0",
              BUSY_PORT + "=" + occupied.getLocalPort())))
          .route(RouteJson.raw("static", STATIC_PORT, backend())));
    }

    String backend() {
      return TestNode.hostPort("::1", echo.actualPort());
    }

    @AfterAll
    void stop() throws IOException {
      node.close();
      occupied.close();
      vertx.close().await();
    }

    @Test
    void aPortGainedAtRuntimeIsBoundAndAPortLostIsClosed() throws Exception {
      swap(2, Route.raw("static", STATIC_PORT), Route.raw("added", ADDED_PORT));
      Await.until(() -> node.node().bound().port("::1", ADDED_PORT) > 0);
      int added = node.port("::1", ADDED_PORT);
      assertThat(echoThrough(added, "hello")).isEqualTo("hello");

      swap(3, Route.raw("static", STATIC_PORT));
      Await.until(() -> node.node().bound().port("::1", ADDED_PORT) < 0);
      Await.until(() -> refused(added));
      assertThatThrownBy(() -> echoThrough(added, "x")).isInstanceOf(ConnectException.class);
      assertThat(echoThrough(node.port("::1", STATIC_PORT), "still")).isEqualTo("still");
    }

    @Test
    void aBindFailureAtRuntimeIsReportedAndNotFatal() throws Exception {
      swap(4, Route.raw("static", STATIC_PORT), Route.raw("busy", BUSY_PORT));
      Await.until(() -> bindFailures().stream().anyMatch(f -> ((JsonObject) f).getString("listener").equals("[::1]:"
          + BUSY_PORT)));
      assertThat(node.node().services().metrics().count(MetricNames.LISTENER_BIND_FAILURES, "listener",
          "[::1]:" + BUSY_PORT)).isPositive();
      assertThat(echoThrough(node.port("::1", STATIC_PORT), "alive")).isEqualTo("alive");
      swap(5, Route.raw("static", STATIC_PORT));
      Await.until(() -> bindFailures().isEmpty());
    }

    private void swap(long version, Route... routes) {
      RouteTableBuilder b = new RouteTableBuilder(version, PortPolicy.DEFAULT);
      for (Route r : routes) {
        b.add(r.withBackends(List.of(Backend.parse(backend()))));
      }
      RouteTable next = b.build();
      assertThat(next.rejections()).isEmpty();
      node.node().tables().swap(next);
    }

    private JsonArray bindFailures() throws Exception {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(node.admin("/v1/routes"))).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).getJsonArray("bind_failures");
    }

    private static String echoThrough(int port, String text) throws IOException {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("::1", port), 5_000);
        s.setSoTimeout(5_000);
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      }
    }

    private static boolean refused(int port) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("::1", port), 1_000);
        return false;
      } catch (IOException e) {
        return true;
      }
    }
  }
}
