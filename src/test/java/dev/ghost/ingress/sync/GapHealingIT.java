package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event ids that commit out of order: the trailing re-read picks up an event that appears behind the cursor; one
 * that appears further back than the re-read window is picked up by the full rebuild.
 */
class GapHealingIT {

  @TempDir
  Path dir;
  Vertx vertx;
  NetServer backendA;
  NetServer backendB;

  @BeforeEach
  void start() {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    backendA = SyncFixture.tlsBackend(vertx, TestTls.TENANT_A);
    backendB = SyncFixture.tlsBackend(vertx, TestTls.TENANT_B);
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void eventCommittedLateIsHealedByTheTrailingReread() throws Exception {
    try (FakeFeed feed = FakeFeed.start(vertx)) {
      feed.add(1, "route.created", FakeFeed.routeCreated("rt_1", TestTls.MYAPP, backendA.actualPort()))
          .add(2, "instance.status_changed", new JsonObject().put("envId", SyncFixture.ENV))
          .add(4, "route.created", FakeFeed.routeCreated("rt_4", TestTls.OTHER, backendB.actualPort()));
      try (TestNode node = TestNode.start(SyncFixture.spec(feed.url(), false))) {
        Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.OTHER)));
        assertThat(node.node().syncStatus().cursor()).isEqualTo(4);
        assertThat(SyncFixture.refused(node, TestTls.TENANT_A)).isTrue();
        // id 3 commits after 4 was read
        feed.add(3, "route.created", FakeFeed.routeCreated("rt_3", TestTls.TENANT_A, backendA.actualPort()));
        Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.TENANT_A)));
        assertThat(node.node().syncStatus().cursor()).isEqualTo(4);
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
        assertThat(cn(node, TestTls.OTHER)).isEqualTo(TestTls.TENANT_B);
      }
    }
  }

  @Test
  void heldEventOfTheDevControlPlaneIsHealedWhileStreaming() throws Exception {
    DevControlPlane cp = SyncFixture.startPlane(vertx, dir, null);
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true))) {
      Await.until(() -> node.node().syncStatus().cursor() == cp.lastEventId());
      cp.chaos().holdNextEvents(1);
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_held", TestTls.MYAPP, backendA.actualPort())));
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_next", TestTls.OTHER, backendB.actualPort())));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.OTHER)));
      assertThat(node.node().syncStatus().cursor()).isEqualTo(cp.lastEventId());
      assertThat(SyncFixture.refused(node, TestTls.MYAPP)).isTrue();
      cp.chaos().releaseHeld();
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
    }
  }

  @Test
  void eventBehindTheRereadWindowIsHealedByTheFullRebuild() throws Exception {
    try (FakeFeed feed = FakeFeed.start(vertx)) {
      feed.add(1, "route.created", FakeFeed.routeCreated("rt_1", TestTls.MYAPP, backendA.actualPort()));
      for (long id = 1000; id < 1300; id++) {
        feed.add(id, "noise.tick", new JsonObject());
      }
      TestNode.Spec rebuilding = SyncFixture.spec(feed.url(), false).set("control_plane.rebuild_interval", "1s");
      TestNode.Spec plain = SyncFixture.spec(feed.url(), false).set("control_plane.rebuild_interval", "0s");
      try (TestNode node = TestNode.start(rebuilding); TestNode control = TestNode.start(plain)) {
        Await.until(() -> node.node().syncStatus().cursor() == 1299 && control.node().syncStatus().cursor() == 1299);
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
        // id 5 commits long after: far behind any trailing window
        feed.add(5, "route.created", FakeFeed.routeCreated("rt_5", TestTls.OTHER, backendB.actualPort()));
        Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.OTHER)));
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
        assertThat(SyncFixture.refused(control, TestTls.OTHER)).as("no rebuild: the gap stays").isTrue();
      }
    }
  }

  /** A full rebuild whose instance fetches fail keeps the routes' backend sets (a failed fetch keeps the set). */
  @Test
  void rebuildWithFailingInstanceFetchesKeepsBackends() throws Exception {
    try (FakeFeed feed = FakeFeed.start(vertx)) {
      feed.add(1, "route.created", FakeFeed.routeCreated("rt_1", TestTls.MYAPP, backendA.actualPort()));
      for (long id = 1000; id < 1300; id++) {
        feed.add(id, "noise.tick", new JsonObject());
      }
      TestNode.Spec spec = SyncFixture.spec(feed.url(), false).set("control_plane.rebuild_interval", "300ms")
          .set("control_plane.backend_sync_interval", "60s");
      try (TestNode node = TestNode.start(spec)) {
        Await.until(() -> node.node().syncStatus().cursor() == 1299);
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
        feed.failInstances = true;
        int rebuilds = feed.readsFromZero.get();
        Await.until("two rebuilds while instances fail", () -> feed.readsFromZero.get() >= rebuilds + 2
            && SyncFixture.syncErrors(node, "server_error") >= 2, () -> SyncFixture.errorsByKind(node));
        assertThat(SyncFixture.backends(node, "rt_1")).as("backend set kept").hasSize(1);
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
        feed.failInstances = false;
      }
    }
  }
}
