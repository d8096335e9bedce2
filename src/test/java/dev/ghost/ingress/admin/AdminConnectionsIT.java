package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Wire;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AdminConnections} on a real HTTP server and real sockets, with small limits so the deadlines can be
 * watched (the node runs {@link AdminLimits#DEFAULTS}): connections over the cap are closed at once and counted,
 * and a client slower than the head or request deadline is cut and counted, while well-behaved clients are served.
 */
class AdminConnectionsIT {

  /** Short deadlines to watch them fire. */
  static final AdminLimits FAST = new AdminLimits(8, Duration.ofMillis(300), Duration.ofMillis(600));
  /** A cap of two, with deadlines far beyond the test so only the cap acts. */
  static final AdminLimits TWO = new AdminLimits(2, Duration.ofSeconds(30), Duration.ofSeconds(30));
  static final byte[] GET = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  Vertx vertx;
  SimpleMeterRegistry registry;
  HttpServer server;
  final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
  }

  private void serve(AdminLimits limits) {
    IngressMetrics metrics = new IngressMetrics(registry);
    server = vertx.createHttpServer(limits.serverOptions());
    new AdminConnections(vertx, limits, new AdminRefusals(metrics)).attach(server, req -> {
      if (req.path().equals("/slow")) {
        return; // never answered: the request deadline ends it
      }
      req.response().end("ok");
    });
    server.listen(0, "127.0.0.1").await();
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    vertx.close().await();
  }

  private Socket connect() throws Exception {
    Socket s = Wire.connect("127.0.0.1", server.actualPort());
    sockets.add(s);
    return s;
  }

  private double refused(String reason) {
    var c = registry.find(MetricNames.ADMIN_REFUSALS).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  /** Sends one GET and reads its answer's status line on a keep-alive connection. */
  private static String get(Socket s) throws Exception {
    Wire.send(s, GET);
    byte[] buf = new byte[512];
    int n = s.getInputStream().read(buf);
    return n < 0 ? "EOF" : new String(buf, 0, n, StandardCharsets.US_ASCII).lines().findFirst().orElse("");
  }

  @Test
  void connectionsOverTheCapAreClosedAtOnceAndCounted() throws Exception {
    serve(TWO);
    Socket a = connect();
    Socket b = connect();
    assertThat(get(a)).isEqualTo("HTTP/1.1 200 OK");
    assertThat(get(b)).isEqualTo("HTTP/1.1 200 OK");
    Socket c = connect();
    Wire.Ending ending = Wire.readToEnd(c, Duration.ofSeconds(5));
    assertThat(ending.end()).as("third connection").isIn(Wire.End.FIN, Wire.End.RST);
    assertThat(ending.bytes()).isEmpty();
    assertThat(ending.afterMillis()).as("closed at once, not at a deadline").isLessThan(250);
    assertThat(refused("connection_limit")).isEqualTo(1);
    // a freed slot is usable again
    a.close();
    Await.until(() -> get(connect()).equals("HTTP/1.1 200 OK"));
  }

  @Test
  void silentAndTricklingClientsAreCutAtTheHeadDeadline() throws Exception {
    serve(FAST);
    Socket silent = connect();
    Socket trickling = connect();
    Wire.send(trickling, "GET /x HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));
    assertThat(Wire.readToEnd(silent, Duration.ofSeconds(5)).end()).isNotEqualTo(Wire.End.NONE);
    assertThat(Wire.readToEnd(trickling, Duration.ofSeconds(5)).end()).isNotEqualTo(Wire.End.NONE);
    Await.until("both counted", () -> refused("request_timeout") == 2, () -> "" + refused("request_timeout"));
  }

  /**
   * A keep-alive connection left idle after an answer is closed at the head deadline, quietly: a scraper that polls
   * less often than the deadline is no refusal. An unanswered request is one.
   */
  @Test
  void anIdleKeepAliveConnectionIsClosedQuietlyAndAnUnansweredRequestIsRefused() throws Exception {
    serve(FAST);
    Socket keepAlive = connect();
    assertThat(get(keepAlive)).isEqualTo("HTTP/1.1 200 OK");
    assertThat(get(keepAlive)).as("served again within the deadline").isEqualTo("HTTP/1.1 200 OK");
    assertThat(Wire.readToEnd(keepAlive, Duration.ofSeconds(5)).end()).isNotEqualTo(Wire.End.NONE);
    // a refusal is counted before its connection is closed: none by the time the client saw the end
    assertThat(refused("request_timeout")).as("the idle keep-alive is not a refusal").isZero();
    Socket slow = connect();
    Wire.send(slow, "GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    Wire.Ending ending = Wire.readToEnd(slow, Duration.ofSeconds(5));
    assertThat(ending.end()).isNotEqualTo(Wire.End.NONE);
    assertThat(ending.bytes()).isEmpty();
    Await.until("the request counted", () -> refused("request_timeout") == 1, () -> "" + refused("request_timeout"));
  }
}
