package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static dev.ghost.ingress.sync.SyncFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A control plane that defines more routes than {@code control_plane.max_routes} (1 here): the change that would
 * pass the cap is refused, counted as {@code too_many_routes} and logged once per interval, while the table in
 * force keeps serving; once the control plane is back under the cap its routes are followed again. Streaming and
 * polling.
 */
class RouteCapIT {

  @TempDir
  Path dir;
  Vertx vertx;
  NetServer backendA;
  NetServer backendB;
  DevControlPlane cp;
  ListAppender<ILoggingEvent> logs;

  @BeforeEach
  void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    backendA = SyncFixture.tlsBackend(vertx, TestTls.TENANT_A);
    backendB = SyncFixture.tlsBackend(vertx, TestTls.TENANT_B);
    cp = SyncFixture.startPlane(vertx, dir, null);
    cp.edit(s -> s.withRoute(SyncFixture.route("rt_a", TestTls.MYAPP, backendA.actualPort())));
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(SyncVerticle.class)).addAppender(logs);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(SyncVerticle.class)).detachAppender(logs);
    vertx.close().await();
  }

  @Test
  void streaming() throws Exception {
    refusesPastTheCapAndKeepsServing(true);
  }

  @Test
  void polling() throws Exception {
    refusesPastTheCapAndKeepsServing(false);
  }

  private void refusesPastTheCapAndKeepsServing(boolean stream) throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), stream)
        .set("state.file", dir.resolve("node-state.json").toString())
        .set("control_plane.max_routes", 1))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));

      // a second route: two would be more than the cap
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_b", TestTls.TENANT_B, backendB.actualPort())));
      // polls re-read the refused events, and refuse them again, every 200 ms
      Await.until("refused, and refused again", () -> SyncFixture.syncErrors(node, "too_many_routes") >= 3,
          () -> SyncFixture.errorsByKind(node));
      assertThat(refused(node, TestTls.TENANT_B)).as("the refused route is not served").isTrue();
      assertThat(cn(node, TestTls.MYAPP)).as("the table in force stays").isEqualTo(TestTls.TENANT_A);
      assertThat(node.node().syncStatus().syncJson().getString("last_error")).contains("too_many_routes");
      double counted = SyncFixture.syncErrors(node, "too_many_routes");
      synchronized (logs) {
        long lines = logs.list.stream().filter(e -> e.getFormattedMessage().equals(FailureLog.MESSAGE)
            && e.getKeyValuePairs().stream().anyMatch(kv -> kv.value.equals("too_many_routes"))).count();
        assertThat(lines).as("logged once per interval, not per refusal").isPositive().isLessThan((long) counted);
      }

      // back under the cap (rt_a deleted): the control plane's routes are followed again
      cp.edit(s -> s.withoutRoute("rt_a"));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.TENANT_B)));
      Await.until("rt_a gone", () -> refused(node, TestTls.MYAPP), () -> SyncFixture.errorsByKind(node));
    }
  }
}
