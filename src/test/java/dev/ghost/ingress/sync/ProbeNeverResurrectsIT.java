package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static dev.ghost.ingress.sync.SyncFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TlsStreamBackend;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eligibility is the control plane's readiness AND the node's probe (docs/behaviour.md, Backends and health): when the
 * control plane takes a backend's only instance out of ready, the backend keeps listening and would pass every
 * probe, yet it gets no new connection and is no longer probed, while a witness backend of a static route is
 * probed on; ready again, it serves again.
 */
class ProbeNeverResurrectsIT {

  @TempDir
  Path dir;
  Vertx vertx;
  DevControlPlane cp;
  TlsStreamBackend removed;
  TlsStreamBackend witness;
  TestNode node;

  @BeforeEach
  void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    cp = SyncFixture.startPlane(vertx, dir, null);
    removed = TlsStreamBackend.start("::1", TestTls.TENANT_A);
    witness = TlsStreamBackend.start("::1", TestTls.TENANT_B);
    node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true)
        .set("health.interval", "100ms").set("health.timeout", "500ms").set("health.rise", 2)
        .set("health.fall", 2)
        .route(RouteJson.tls("witness", TestTls.OTHER, witness.backend())));
  }

  @AfterEach
  void stop() {
    node.close();
    removed.close();
    witness.close();
    vertx.close().await();
  }

  @Test
  void aBackendTheControlPlaneTookOutIsNeitherOfferedNorProbedUntilItIsReadyAgain() throws Exception {
    cp.edit(s -> s.withRoute(SyncFixture.route("rt_a", TestTls.MYAPP, removed.port())));
    Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP))); // rt_a routable to its backend
    Backend backend = Backend.parse(removed.backend());
    Await.until("the backend probed up", () -> "up".equals(probe(backend)), () -> probe(backend));

    cp.edit(s -> s.withInstance(s.instances().get("inst_1").withStatus("draining")));
    Await.until("no backend left for rt_a", () -> SyncFixture.backends(node, "rt_a") != null
        && SyncFixture.backends(node, "rt_a").isEmpty());
    int accepted = removed.accepted();
    double probes = Probe.counter(node, MetricNames.HEALTH_PROBES, "result", "success");
    // the witness is probed every 100 ms: ten more successful probes are a full second of probing
    Await.until("ten more successful probes (of the witness)",
        () -> Probe.counter(node, MetricNames.HEALTH_PROBES, "result", "success") >= probes + 10);
    for (int i = 0; i < 3; i++) {
      assertThat(refused(node, TestTls.MYAPP)).isTrue();
    }
    assertThat(removed.accepted()).as("neither a connection nor a probe reached it").isEqualTo(accepted);
    assertThat(probe(backend)).isEqualTo("unknown");
    assertThat(TestTls.TENANT_B).isEqualTo(cn(node, TestTls.OTHER));

    cp.edit(s -> s.withInstance(s.instances().get("inst_1").withStatus("ready")));
    Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP))); // routable again
  }

  private String probe(Backend backend) {
    return node.node().services().health().probes().status(backend).label();
  }
}
