package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.admin.AdminCli;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TlsStreamBackend;
import dev.ghost.ingress.testing.Wire;
import dev.ghost.ingress.testing.TlsStreamBackend.Session;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node's graceful drain on the real process ({@code java -jar target/ingress.jar}): on SIGTERM (or the admin
 * "drain node" command) {@code /readyz} turns 503, the listener refuses new connections, a streaming TLS session
 * keeps exchanging data both ways until it ends, and the process exits 0; a session that outlives
 * {@code shutdown_timeout} is closed at the deadline and counted; a second SIGTERM exits at once.
 */
class GracefulShutdownIT {

  static final Duration EXIT = Duration.ofSeconds(20);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static TlsStreamBackend backend;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    TestTls.warmUp();
    backend = TlsStreamBackend.start("::1", TestTls.MYAPP);
    dir = Files.createTempDirectory("graceful-");
  }

  @AfterAll
  static void stop() {
    if (backend != null) {
      backend.close();
    }
  }

  /** A node process with one TLS route to the streaming backend; {@code shutdownTimeout} as TOML duration. */
  record Node(JarProcess process, int port, int adminPort) implements AutoCloseable {
    String admin(String path) {
      return "http://127.0.0.1:" + adminPort + path;
    }

    @Override
    public void close() {
      process.close();
    }
  }

  static Node node(String shutdownTimeout) throws Exception {
    Path config = JarProcess.write(dir, "node-" + System.nanoTime() + ".toml", """
        [listen]
        ipv6 = ["[::1]:8443"]
        port_map = ["8443=0"]
        [admin]
        listen = "127.0.0.1:0"
        [proxy]
        shutdown_timeout = "%s"
        [[route]]
        id = "app"
        hostname = "%s"
        port = 8443
        backends = ["%s"]
        """.formatted(shutdownTimeout, TestTls.MYAPP, backend.backend()));
    JarProcess p = JarProcess.start(Map.of("GHOST_STATE_FILE", dir.resolve("state.json").toString()),
        "--config", config.toString());
    try {
      p.awaitLog("ingress ready", j -> true, JarProcess.START_DEADLINE);
      int port = p.awaitLog("listening", j -> "::1".equals(j.getString("host")), EXIT).getInteger("port");
      int admin = p.awaitLog("listening", j -> "admin".equals(j.getString("listener")), EXIT).getInteger("port");
      return new Node(p, port, admin);
    } catch (Throwable t) {
      p.close();
      throw t;
    }
  }

  @Test
  void aSessionThatEndsWithinTheDeadlineSurvivesSigtermAndTheProcessExitsZero() throws Exception {
    try (Node node = node("30s"); Session session = Session.open("::1", node.port(), TestTls.MYAPP)) {
      session.exchange();
      node.process().sigterm();
      JsonObject started = node.process().awaitLog("node draining: listeners closed, open connections continue",
          j -> true, EXIT);
      assertThat(started.getInteger("open_connections")).isEqualTo(1);
      assertThat(started.getLong("deadline_ms")).isEqualTo(30_000);
      awaitNotReady(node);
      awaitRefused(node.port());
      for (int i = 0; i < 20; i++) {
        session.exchange(); // both ways, while draining
      }
      session.close();
      // ended by the session, long before the 30 s deadline
      assertThat(node.process().awaitExit(EXIT)).as(node.process().describe()).isZero();
      assertThat(accessLogReasons(node)).hasSize(1).allMatch(r -> r.equals("completed") || r.equals("client_closed"));
      JsonObject drained = log(node, "node drained; closing");
      assertThat(drained.getInteger("closed_at_deadline")).isZero();
      // awaitRefused's own probe may race the listener's close: the kernel had accepted it, Netty then drops it
      // with one warning; anything else with an exception is a failure
      assertThat(JarProcess.stackTraceLines(node.process().stdout()))
          .filteredOn(l -> !l.contains("Failed to register an accepted channel")).isEmpty();
    }
  }

  @Test
  void aSessionPastTheShutdownTimeoutIsClosedAtTheDeadlineAndCounted() throws Exception {
    try (Node node = node("1s"); Session session = Session.open("::1", node.port(), TestTls.MYAPP)) {
      session.exchange();
      node.process().sigterm();
      node.process().awaitLog("node draining: listeners closed, open connections continue", j -> true, EXIT);
      session.exchange(); // still relayed until the deadline
      assertThat(session.endedByPeer()).as("closed by the node at its 1 s deadline").isTrue();
      assertThat(node.process().awaitExit(EXIT)).as(node.process().describe()).isZero();
      assertThat(accessLogReasons(node)).containsExactly("drain_deadline");
      assertThat(log(node, "node drained; closing").getInteger("closed_at_deadline")).isEqualTo(1);
    }
  }

  @Test
  void aSecondSigtermEndsTheProcessAtOnce() throws Exception {
    try (Node node = node("60s"); Session session = Session.open("::1", node.port(), TestTls.MYAPP)) {
      session.exchange();
      node.process().sigterm();
      node.process().awaitLog("node draining: listeners closed, open connections continue", j -> true, EXIT);
      session.exchange();
      node.process().sigterm();
      // well before the 60 s deadline, with the session still open
      assertThat(node.process().awaitExit(Duration.ofSeconds(10))).as(node.process().describe()).isZero();
      node.process().awaitLog("second signal: exiting now", j -> true, EXIT);
      assertThat(session.endedByPeer()).isTrue();
    }
  }

  @Test
  void theAdminDrainNodeCommandBehavesLikeSigterm() throws Exception {
    try (Node node = node("30s"); Session session = Session.open("::1", node.port(), TestTls.MYAPP)) {
      session.exchange();
      // the CLI subcommand calls POST /v1/node/drain
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int code = AdminCli.run(List.of("--url", node.admin(""), "--json", "drain-node"),
          new PrintStream(out, true, StandardCharsets.UTF_8), System.err, null);
      assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
      JsonObject answer = new JsonObject(out.toString(StandardCharsets.UTF_8));
      assertThat(answer.getBoolean("draining")).isTrue();
      assertThat(answer.getInteger("open_connections")).isEqualTo(1);
      assertThat(answer.getLong("deadline_ms")).isEqualTo(30_000);
      HttpResponse<String> again = post(node.admin("/v1/node/drain"));
      assertThat(again.statusCode()).isEqualTo(409);
      assertThat(new JsonObject(again.body()).getString("error")).isEqualTo("already_draining");
      awaitNotReady(node);
      awaitRefused(node.port());
      session.exchange();
      session.exchange();
      session.close();
      assertThat(node.process().awaitExit(EXIT)).as(node.process().describe()).isZero();
      assertThat(log(node, "node draining: listeners closed, open connections continue").getString("cause"))
          .isEqualTo("admin");
    }
  }

  @Test
  void drainNodeAnswers202OverHttp() throws Exception {
    try (Node node = node("30s")) {
      HttpResponse<String> r = post(node.admin("/v1/node/drain"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      assertThat(new JsonObject(r.body()).getInteger("open_connections")).isZero();
      assertThat(node.process().awaitExit(EXIT)).as(node.process().describe()).isZero();
    }
  }

  // ---- helpers

  static void awaitNotReady(Node node) {
    Await.until("/readyz 503 draining", () -> {
      HttpResponse<String> r = get(node.admin("/readyz"));
      return r != null && r.statusCode() == 503 && r.body().contains("\"draining\"");
    });
  }

  /** The listening socket is closed: the kernel refuses a new TCP connection. */
  static void awaitRefused(int port) {
    Wire.awaitRefused("::1", port);
    assertThatThrownBy(() -> new Socket("::1", port).close()).isInstanceOf(ConnectException.class);
  }

  static List<String> accessLogReasons(Node node) {
    return node.process().stdout().stream().map(JarProcess::json).flatMap(java.util.Optional::stream)
        .filter(j -> "connection closed".equals(j.getString("msg"))).map(j -> j.getString("reason")).toList();
  }

  static JsonObject log(Node node, String msg) {
    return node.process().stdout().stream().map(JarProcess::json).flatMap(java.util.Optional::stream)
        .filter(j -> msg.equals(j.getString("msg"))).findFirst()
        .orElseThrow(() -> new AssertionError("no log line '" + msg + "'\n" + node.process().describe()));
  }

  static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      return null;
    }
  }

  static HttpResponse<String> post(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }
}
