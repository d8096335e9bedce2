package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static dev.ghost.ingress.sync.SyncFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.devcp.PayloadEncoder.Encoding;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A route's life as the dev control plane tells it, seen in traffic through the node: created → routable with its
 * backend; backend port changed → new connections go to the new backend while an open one keeps working; its
 * only instance leaves ready → no backend; back → routable; deleted → refused. Streaming and polling, camelCase
 * and snake_case payloads.
 */
class RouteLifecycleIT {

  @TempDir
  Path dir;
  Vertx vertx;
  NetServer backendA;
  NetServer backendB;
  DevControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    backendA = SyncFixture.tlsBackend(vertx, TestTls.TENANT_A);
    backendB = SyncFixture.tlsBackend(vertx, TestTls.TENANT_B);
    cp = SyncFixture.startPlane(vertx, dir, null);
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void streamingCamelCase() throws Exception {
    lifecycle(true);
  }

  @Test
  void pollingCamelCase() throws Exception {
    lifecycle(false);
  }

  @Test
  void streamingSnakeCase() throws Exception {
    cp.encoding(Encoding.LEGACY);
    lifecycle(true);
  }

  @Test
  void pollingSnakeCase() throws Exception {
    cp.encoding(Encoding.LEGACY);
    lifecycle(false);
  }

  /** A control plane with no event at all (a new org): the empty table is the first table, so the node is ready. */
  @Test
  void readyAgainstAControlPlaneWithoutEvents() throws Exception {
    java.nio.file.Files.writeString(dir.resolve("empty.toml"),
        "org = \"" + SyncFixture.ORG + "\"\ntoken = \"" + SyncFixture.TOKEN + "\"\n");
    DevControlPlane empty = DevControlPlane.start(vertx, new DevControlPlane.Options()
        .stateFile(dir.resolve("empty.toml"))).await();
    assertThat(empty.lastEventId()).isZero();
    for (boolean stream : new boolean[] {true, false}) {
      try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(empty), stream))) {
        Await.until("ready (stream=" + stream + ")", () -> node.node().state().phase().name().equals("SERVING"),
            () -> node.node().state().phase() + " " + node.node().syncStatus().syncJson());
      }
    }
  }

  /** Two routes claim one hostname: the older creation keeps it, whatever the ids, and the clash is reported. */
  @Test
  void olderRouteKeepsAClashingHostname() throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true))) {
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_z", TestTls.MYAPP, backendA.actualPort())));
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_0", TestTls.MYAPP, backendB.actualPort())));
      Await.until("conflict reported", () -> !dev.ghost.ingress.testing.Probe.routes(node)
          .getJsonArray("conflicts").isEmpty(), () -> dev.ghost.ingress.testing.Probe.routes(node).encode());
      io.vertx.core.json.JsonObject c = dev.ghost.ingress.testing.Probe.routes(node).getJsonArray("conflicts")
          .getJsonObject(0);
      assertThat(c.getString("winner")).isEqualTo("rt_z");
      assertThat(c.getString("loser")).isEqualTo("rt_0");
      for (int i = 0; i < 3; i++) {
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      }
      // the winner goes: the other one takes the name
      cp.edit(s -> s.withoutRoute("rt_z"));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.MYAPP)));
    }
  }

  /** A hostname change is a deletion and a creation of the same route id: the old name stops, the new one works. */
  @Test
  void hostnameChangeRecreatesTheRoute() throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), false))) {
      DevState.Route route = SyncFixture.route("rt_a", TestTls.MYAPP, backendA.actualPort());
      cp.edit(s -> s.withRoute(route));
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      cp.edit(s -> s.withRoute(new DevState.Route("rt_a", route.app(), route.env(), TestTls.OTHER, 443,
          route.protocol(), route.processType(), route.backendPort(), route.proxyProtocol(), false)));
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.OTHER)) && refused(node, TestTls.MYAPP));
    }
  }

  /** route.updated turning PROXY v2 on (with a new backend port): new connections carry the header. */
  @Test
  void proxyModeChange() throws Exception {
    dev.ghost.ingress.testing.ProxyProtocolHttpsBackend pp =
        dev.ghost.ingress.testing.ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.TENANT_B);
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true))) {
      DevState.Route route = SyncFixture.route("rt_a", TestTls.MYAPP, backendA.actualPort());
      cp.edit(s -> s.withRoute(route));
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      cp.edit(s -> s.withRoute(new DevState.Route("rt_a", route.app(), route.env(), route.hostname(), 443,
          route.protocol(), route.processType(), pp.actualPort(), DevState.PROXY_V2, false)));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.MYAPP)));
      try (SSLSocket s = TestTls.connect("::1", node.port("::1", 443), TestTls.MYAPP, "TLSv1.3")) {
        String body = TestTls.body(TestTls.httpGet(s, TestTls.MYAPP, "/"));
        assertThat(body).contains("sni=" + TestTls.MYAPP).startsWith("client=");
      }
      assertThat(SyncFixture.backends(node, "rt_a").encode()).contains(String.valueOf(pp.actualPort()));
      assertThat(dev.ghost.ingress.testing.Probe.routes(node).encode()).contains("\"proxy_protocol\":\"v2\"");
    }
  }

  private void lifecycle(boolean stream) throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), stream))) {
      Await.until("node ready with an empty control plane", () -> node.node().state().phase().name().equals("SERVING"),
          () -> node.node().state().phase() + " " + node.node().syncStatus().syncJson());
      assertThat(refused(node, TestTls.MYAPP)).isTrue();

      // created → routable with its backend (the certificate is backend A's)
      DevState.Route route = SyncFixture.route("rt_a", TestTls.MYAPP, backendA.actualPort());
      long t0 = System.nanoTime();
      cp.edit(s -> s.withRoute(route));
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      long createdMs = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("route created -> routable (stream=%s): %d ms%n", stream, createdMs);

      // a connection opened before the change keeps working after it
      try (SSLSocket open = TestTls.connect("::1", node.port("::1", 443), TestTls.MYAPP, "TLSv1.3")) {
        assertThat(TestTls.peerCommonName(open)).isEqualTo(TestTls.TENANT_A);
        roundTrip(open, "before");

        // backend set change → new connections go to the new backend
        cp.edit(s -> s.withRoute(SyncFixture.withBackendPort(route, backendB.actualPort())));
        Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.MYAPP)));
        for (int i = 0; i < 5; i++) {
          assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_B);
        }
        roundTrip(open, "after");
      }

      // the only instance leaves ready → no backend for new connections; ready again → routable
      cp.edit(s -> s.withInstance(s.instances().get("inst_1").withStatus("draining")));
      Await.until(() -> SyncFixture.backends(node, "rt_a") != null && SyncFixture.backends(node, "rt_a").isEmpty());
      Await.until(() -> refused(node, TestTls.MYAPP));
      cp.edit(s -> s.withInstance(s.instances().get("inst_1").withStatus("ready")));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.MYAPP)));

      // deleted → new connections closed
      cp.edit(s -> s.withoutRoute("rt_a"));
      Await.until(() -> SyncFixture.backends(node, "rt_a") == null);
      Await.until(() -> refused(node, TestTls.MYAPP));
      // the table is swapped before the status takes the cursor (on the event loop): wait for it, don't race it
      Await.until(() -> node.node().syncStatus().cursor() == cp.lastEventId());
      assertThat(node.node().syncStatus().mode().name()).isEqualTo(stream ? "STREAMING" : "POLLING");
    }
  }

  private static void roundTrip(SSLSocket s, String text) throws Exception {
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    byte[] bytes = (text + "\n").getBytes(StandardCharsets.US_ASCII);
    out.write(bytes);
    out.flush();
    assertThat(new String(in.readNBytes(bytes.length), StandardCharsets.US_ASCII)).isEqualTo(text + "\n");
  }
}
