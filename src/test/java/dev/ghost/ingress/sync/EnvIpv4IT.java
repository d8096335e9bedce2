package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An environment's dedicated IPv4 follows env.ipv4_addon_enabled/disabled at runtime: the node (listening on
 * [::1] and on the specific IPv4 127.0.0.1) binds 127.0.0.2 for that env's route port, serves that env's route
 * there, and closes it when the add-on is disabled; an address it cannot bind is reported.
 */
class EnvIpv4IT {

  static final String ENV_IP = "127.0.0.2";

  @TempDir
  Path dir;
  Vertx vertx;
  NetServer backendA;
  DevControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    backendA = SyncFixture.tlsBackend(vertx, TestTls.TENANT_A);
    cp = SyncFixture.startPlane(vertx, dir, null);
    cp.edit(s -> s.withRoute(SyncFixture.route("rt_a", TestTls.MYAPP, backendA.actualPort())));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static int envPort(TestNode node) {
    return node.node().bound().port(ENV_IP, 443);
  }

  private void ipv4(String address) {
    cp.edit(s -> s.withEnv(new DevState.Env(SyncFixture.ENV, SyncFixture.APP, address)));
  }

  private static String cnAt(String host, int port, String sni) throws IOException {
    try (SSLSocket s = TestTls.connect(host, port, sni, "TLSv1.3")) {
      return TestTls.peerCommonName(s);
    }
  }

  @Test
  void enabledServesThatEnvThenDisabledStops() throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true).ipv4("127.0.0.1"))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      assertThat(envPort(node)).isLessThanOrEqualTo(0);

      ipv4(ENV_IP);
      Await.until("127.0.0.2 bound", () -> envPort(node) > 0, () -> node.node().bound().snapshot().toString());
      int port = envPort(node);
      Await.until(() -> TestTls.TENANT_A.equals(cnAt(ENV_IP, port, TestTls.MYAPP)));
      JsonObject envs = Probe.routes(node).getJsonObject("envs");
      assertThat(envs.getJsonObject(SyncFixture.ENV).getString("ipv4")).isEqualTo(ENV_IP);
      assertThat(envs.getJsonObject(SyncFixture.ENV).getBoolean("degraded")).isFalse();

      ipv4(null);
      Await.until("127.0.0.2 released", () -> envPort(node) <= 0, () -> node.node().bound().snapshot().toString());
      Await.until(() -> refusedAt(ENV_IP, port));
      assertThat(cn(node, TestTls.MYAPP)).as("the shared IPv6 listener still serves").isEqualTo(TestTls.TENANT_A);
    }
  }

  private static boolean refusedAt(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  @Test
  void bindFailureIsReported() throws Exception {
    try (ServerSocket blocker = new ServerSocket()) {
      blocker.bind(new InetSocketAddress(InetAddress.getByName(ENV_IP), 0));
      int fixed = blocker.getLocalPort();
      TestNode.Spec spec = SyncFixture.spec(SyncFixture.url(cp), true).ipv4("127.0.0.1")
          .set("listen.port_map", new JsonArray().add("443=" + fixed));
      try (TestNode node = TestNode.start(spec)) {
        Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
        ipv4(ENV_IP);
        Await.until("bind failure on /v1/routes", () -> Probe.routes(node).getJsonArray("bind_failures").stream()
            .anyMatch(f -> ((JsonObject) f).getString("listener").startsWith(ENV_IP)),
            () -> Probe.routes(node).encode());
        JsonObject env = Probe.routes(node).getJsonObject("envs").getJsonObject(SyncFixture.ENV);
        assertThat(env.getBoolean("degraded")).as(env.encode()).isTrue();
        assertThat(env.getString("reason")).contains(ENV_IP);
        assertThat(Probe.counter(node, MetricNames.LISTENER_BIND_FAILURES, "listener", ENV_IP + ":443"))
            .isGreaterThanOrEqualTo(1);
        assertThat(node.node().registry().scrape()).contains("ghost_listener_bind_failures_total");
        // the rest keeps serving
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
        assertThat(node.node().state().phase().name()).isEqualTo("SERVING");

        // the address becomes free (e.g. assigned to the host a moment late): the node binds it without a change
        blocker.close();
        Await.until("127.0.0.2 bound after the blocker left", () -> envPort(node) == fixed,
            () -> node.node().bound().snapshot().toString());
        assertThat(cnAt(ENV_IP, fixed, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
        Await.until("bind failure cleared", () -> Probe.routes(node).getJsonArray("bind_failures").isEmpty(),
            () -> Probe.routes(node).encode());
        assertThat(Probe.routes(node).getJsonObject("envs").getJsonObject(SyncFixture.ENV).getBoolean("degraded"))
            .isFalse();
      }
    }
  }
}
