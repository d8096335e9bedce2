package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A control plane that answers the event feed with pages no contract allows: more items than
 * the {@code limit} asked for, or a body over the node's cap. Each is refused and counted, none of its events is
 * applied, real TLS connections keep reaching the healthy route's backend meanwhile, and sync goes on once the
 * feed behaves. A feed that never ends is applied in bounded batches.
 */
class OversizedFeedIT {

  Vertx vertx;
  NetServer backendA;
  NetServer backendB;
  FakeFeed feed;

  @BeforeEach
  void start() {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    backendA = SyncFixture.tlsBackend(vertx, TestTls.TENANT_A);
    backendB = SyncFixture.tlsBackend(vertx, TestTls.TENANT_B);
    feed = FakeFeed.start(vertx);
    feed.add(1, "route.created", FakeFeed.routeCreated("rt_a", TestTls.MYAPP, backendA.actualPort()));
  }

  @AfterEach
  void stop() {
    feed.close();
    vertx.close().await();
  }

  @Test
  void pageWithMoreItemsThanTheLimitIsABadBody() throws Exception {
    survives(FakeFeed.Oversize.MORE_ITEMS_THAN_LIMIT, "bad_body");
  }

  @Test
  void bodyOverTheCapIsCutAndCounted() throws Exception {
    survives(FakeFeed.Oversize.HUGE_BODY, "body_too_large");
  }

  /**
   * A feed that pages forever: the node applies what it read every 16 MiB instead of holding every page until the
   * feed ends (which it never does), so its cursor moves and routing goes on.
   */
  @Test
  void feedThatNeverEndsIsAppliedInBoundedBatches() throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(feed.url(), false))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      feed.oversize = FakeFeed.Oversize.ENDLESS;
      Await.until("a batch of the endless feed applied", java.time.Duration.ofSeconds(30),
          () -> node.node().syncStatus().cursor() > 1_000, () -> "cursor " + node.node().syncStatus().cursor());
      long cursor = node.node().syncStatus().cursor();
      Await.until("the next batch applied", java.time.Duration.ofSeconds(30),
          () -> node.node().syncStatus().cursor() > cursor, () -> "cursor " + node.node().syncStatus().cursor());
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      feed.oversize = FakeFeed.Oversize.NONE;
    }
  }

  /**
   * A stream that sends lines without end while applying them is slow (each needs an instances fetch of 200 ms):
   * the node stops reading once 16 MiB of lines wait to be applied, so the control plane's writes stall at that
   * plus the sockets' buffers instead of the node's heap taking everything.
   */
  @Test
  void floodingStreamIsPausedNotBuffered() throws Exception {
    feed.instancesDelayMs = 200;
    feed.floodStreams = true;
    // Every apply waits for a slow instances answer, which is what keeps the node reading slowly; one timed out
    // under the flood would put the group in backoff (no request until it passes) and the applies would speed up
    try (TestNode node = TestNode.start(SyncFixture.spec(feed.url(), true)
        .set("control_plane.request_timeout", "10s"))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      Await.until("the node read past its backlog", java.time.Duration.ofSeconds(30),
          () -> feed.floodBytes.get() > EventStream.MAX_BACKLOG, () -> "written " + feed.floodBytes.get());
      // twenty slow applies (4 s) later, the writes are still held at what the applies settled plus the backlog
      // and socket buffers: 35-55 MiB here, depending on how many lines each apply settles (unpaused, the node
      // reads as fast as loopback writes, hundreds of MiB a second)
      int reads = feed.instanceReads.get();
      Await.until("twenty applies", java.time.Duration.ofSeconds(30), () -> feed.instanceReads.get() >= reads + 20,
          () -> "instance reads " + feed.instanceReads.get());
      assertThat(feed.floodBytes.get()).as("bytes the control plane got rid of").isLessThan(96L << 20);
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
    } finally {
      feed.floodStreams = false;
    }
  }

  private void survives(FakeFeed.Oversize oversize, String kind) throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(feed.url(), false))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      feed.oversize = oversize;
      int reads = feed.feedReads.get();
      Await.until(kind + " counted twice", () -> SyncFixture.syncErrors(node, kind) >= 2,
          () -> SyncFixture.errorsByKind(node));
      assertThat(feed.feedReads.get()).isGreaterThan(reads);
      // the healthy route still carries real connections, and nothing of the refused pages was applied
      for (int i = 0; i < 3; i++) {
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      }
      assertThat(Probe.routes(node).getJsonArray("routes")).hasSize(1);
      assertThat(node.node().syncStatus().cursor()).isEqualTo(1);

      feed.oversize = FakeFeed.Oversize.NONE;
      feed.add(2, "route.created", FakeFeed.routeCreated("rt_b", TestTls.OTHER, backendB.actualPort()));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.OTHER)));
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
    }
  }
}
