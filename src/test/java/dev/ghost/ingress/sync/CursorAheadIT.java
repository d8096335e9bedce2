package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static dev.ghost.ingress.sync.SyncFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A node started from a state file whose cursor (1000) is ahead of the dev control plane's feed (a handful of
 * events), as after a control-plane restore. With the default rebuild interval (1 h) it must
 * still notice at once, say so once, replay from event 0 and then follow new events, streaming or polling.
 */
class CursorAheadIT {

  static final long STALE_CURSOR = 1000;

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
    replaysFromZero(true);
  }

  @Test
  void polling() throws Exception {
    replaysFromZero(false);
  }

  /** A state file from "before the restore": cursor 1000 and a route (other.example.com) the feed never had. */
  private Path staleStateFile() throws Exception {
    CpRoute old = new CpRoute("rt_old", SyncFixture.APP, SyncFixture.ENV, TestTls.OTHER, 443,
        Protocol.TLS_PASSTHROUGH, "web", backendB.actualPort(), false, false, false, null, 999);
    ControlPlaneState stale = ControlPlaneState.EMPTY.apply(List.of(new CpEvent.RouteCreated(999, old),
        new CpEvent.Ignored(STALE_CURSOR, "widget.spun"))).next()
        .withBackends("rt_old", List.of(new Backend("::1", backendB.actualPort())));
    Path file = dir.resolve("node-state.json");
    StateFile.write(file, stale);
    return file;
  }

  private void replaysFromZero(boolean stream) throws Exception {
    Path stateFile = staleStateFile();
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), stream)
        .set("state.file", stateFile.toString()))) {
      // the feed's routes replace the stale state: rt_a served, rt_old gone, cursor back at the feed's head
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      Await.until("stale route gone", () -> refused(node, TestTls.OTHER), () -> "");
      Await.until("cursor at the feed's head", () -> node.node().syncStatus().cursor() == cp.lastEventId(),
          () -> "cursor " + node.node().syncStatus().cursor() + ", feed head " + cp.lastEventId());
      assertThat(SyncFixture.syncErrors(node, "cursor_ahead")).isEqualTo(1);

      // new events are followed from there on
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_b", TestTls.TENANT_B, backendB.actualPort())));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.TENANT_B)));
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      assertThat(SyncFixture.syncErrors(node, "cursor_ahead")).as("detected once").isEqualTo(1);
      synchronized (logs) {
        assertThat(logs.list.stream().filter(e -> e.getFormattedMessage().contains("feed is behind")))
            .as("logged once").hasSize(1);
      }
    }
  }
}
