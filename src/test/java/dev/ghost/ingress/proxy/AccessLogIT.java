package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.RecordingTcpBackend;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The access log of the real process, as an operator reads it: the client written as {@code [v6]:port}, like the
 * listener and the backend; the node's id on every line; how many backends were dialled and how long the connect
 * took.
 */
class AccessLogIT {

  static final Duration DEADLINE = Duration.ofSeconds(20);
  static Vertx vertx;
  static RecordingTcpBackend live;
  /** Two closed ports: a failed connect ejects the backend for every route, so each scenario has its own. */
  static String dead;
  static String deadToo;
  static JarProcess node;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    live = RecordingTcpBackend.start(vertx, "::1");
    dead = closedPort();
    deadToo = closedPort();
    Path dir = Files.createTempDirectory("access-log-");
    Path config = JarProcess.write(dir, "node.toml", """
        [node]
        id = "edge-7"
        [listen]
        ipv6 = ["[::1]:8443"]
        port_map = ["8443=0"]
        [admin]
        listen = "127.0.0.1:0"
        [health]
        enabled = false
        [[route]]
        id = "one"
        hostname = "one.test"
        port = 8443
        backends = ["%s"]
        [[route]]
        id = "failover"
        hostname = "failover.test"
        port = 8443
        backends = ["%s", "%s"]
        [[route]]
        id = "down"
        hostname = "down.test"
        port = 8443
        backends = ["%s"]
        """.formatted(live.address(), dead, live.address(), deadToo));
    node = JarProcess.start(Map.of("GHOST_STATE_FILE", dir.resolve("state.json").toString()),
        "--config", config.toString());
    node.awaitLog("ingress ready", j -> true, JarProcess.START_DEADLINE);
    port = node.awaitLog("listening", j -> "::1".equals(j.getString("host")), DEADLINE).getInteger("port");
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void aRelayedConnectionIsLoggedWithReadableAddressesConnectTimeAndOneAttempt() throws Exception {
    int local = connectAndClose("one.test");
    JsonObject line = accessLine(local);
    assertThat(line.getString("client")).isEqualTo("[::1]:" + local);
    assertThat(line.getString("listener")).startsWith("[::1]:");
    assertThat(line.getString("backend")).isEqualTo(live.address());
    assertThat(line.getString("node_id")).isEqualTo("edge-7");
    assertThat(line.getInteger("attempts")).isEqualTo(1);
    assertThat(line.getDouble("connect_ms")).isNotNull().isGreaterThanOrEqualTo(0.0);
  }

  @Test
  void aFailoverCountsEveryBackendDialled() throws Exception {
    // round robin over [dead, live]: one of the first two connections dials the dead one first
    List<JsonObject> lines = List.of(accessLine(connectAndClose("failover.test")),
        accessLine(connectAndClose("failover.test")));
    assertThat(lines).extracting(j -> j.getInteger("attempts")).contains(2);
    assertThat(lines).allSatisfy(j -> assertThat(j.getString("backend")).isEqualTo(live.address()));
  }

  @Test
  void aConnectionNoBackendTookHasAttemptsAndNoConnectTime() throws Exception {
    JsonObject line = accessLine(connectAndClose("down.test"));
    assertThat(line.getString("reason")).isEqualTo("connect_failed");
    assertThat(line.getInteger("attempts")).isGreaterThanOrEqualTo(1);
    assertThat(line.containsKey("connect_ms")).isTrue();
    assertThat(line.getValue("connect_ms")).isNull();
    assertThat(line.getValue("backend")).isNull();
  }

  @Test
  void everyLineOfTheNodeNamesIt() {
    assertThat(node.stdout().stream().map(JarProcess::json).flatMap(java.util.Optional::stream).toList())
        .isNotEmpty().allSatisfy(j -> assertThat(j.getString("node_id")).as(j.encode()).isEqualTo("edge-7"));
  }

  /** A port nothing listens on any more: connecting is refused. */
  private static String closedPort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("::1", 0));
      return "[::1]:" + s.getLocalPort();
    }
  }

  /** Sends a hello for {@code host}, half-closes, reads to the end; returns the client's local port. */
  private static int connectAndClose(String host) throws Exception {
    byte[] hello = ClientHellos.jdk(host, "TLSv1.3"); // before connecting: the JDK's first TLS set-up is slow
    try (Socket s = new Socket("::1", port)) {
      s.setSoTimeout((int) DEADLINE.toMillis());
      try {
        OutputStream out = s.getOutputStream();
        out.write(hello);
        out.flush();
        s.shutdownOutput();
        s.getInputStream().readAllBytes(); // the node closes once the relay (or the refusal) ended
      } catch (java.net.SocketException reset) {
        // a refusal may close with RST, even before the half-close: ended all the same
      }
      return s.getLocalPort();
    }
  }

  private static JsonObject accessLine(int clientPort) throws InterruptedException {
    return node.awaitLog("connection closed", j -> ("[::1]:" + clientPort).equals(j.getString("client")), DEADLINE);
  }
}
