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
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane that misbehaves (500s, garbage, slowness past the request timeout, streams dropped mid-way or
 * silent, a wrong token, malformed and unknown events): the node keeps its table, counts each kind, and converges
 * once the misbehaviour ends.
 */
class MisbehavingControlPlaneIT {

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
    cp.edit(s -> s.withRoute(SyncFixture.route("rt_a", TestTls.MYAPP, backendA.actualPort())));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /**
   * Starts a node, waits for rt_a, turns {@code chaosOn} on, creates rt_b while it lasts, waits until {@code kind}
   * is counted (rt_a still served meanwhile), turns everything off, and expects rt_b to become routable.
   */
  private void survives(boolean stream, String kind, Consumer<DevControlPlane> chaosOn) throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), stream))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      double before = SyncFixture.syncErrors(node, kind);
      chaosOn.accept(cp);
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_b", TestTls.OTHER, backendB.actualPort())));
      Await.until(kind + " counted", () -> SyncFixture.syncErrors(node, kind) > before,
          () -> SyncFixture.errorsByKind(node));
      assertThat(cn(node, TestTls.MYAPP)).as("the table in force keeps serving").isEqualTo(TestTls.TENANT_A);
      assertThat(node.node().registry().scrape()).contains("ghost_sync_errors_total{kind=\"" + kind + "\"}");
      cp.chaos().reset();
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.OTHER)));
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      Await.until("cursor caught up", () -> node.node().syncStatus().cursor() == cp.lastEventId(),
          () -> SyncFixture.errorsByKind(node));
    }
  }

  @Test
  void serverErrorsWhilePolling() throws Exception {
    survives(false, "server_error", c -> c.chaos().failStatus(500).failEvery(1));
  }

  @Test
  void serverErrorsWhileStreaming() throws Exception {
    // the open stream still delivers; its reconnects and the heal polls fail
    survives(true, "server_error", c -> c.chaos().failStatus(503).failEvery(1).dropStreamsAfter(1));
  }

  @Test
  void garbageBodies() throws Exception {
    survives(false, "bad_body", c -> c.chaos().garbageEvery(1));
  }

  @Test
  void slowerThanTheRequestTimeout() throws Exception {
    survives(false, "timeout", c -> c.chaos().latency(Duration.ofMillis(2500)));
  }

  @Test
  void streamsDroppedMidStream() throws Exception {
    // every stream is cut after one line (the flag is read when a stream opens)
    cp.chaos().dropStreamsAfter(1);
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      // three creations at once: each stream delivers one line and is cut; the node reconnects from its cursor
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_b", TestTls.OTHER, backendB.actualPort()))
          .withRoute(SyncFixture.route("rt_c", TestTls.TENANT_A, backendA.actualPort()))
          .withRoute(SyncFixture.route("rt_d", TestTls.TENANT_B, backendB.actualPort())));
      Await.until("stream_dropped counted", () -> SyncFixture.syncErrors(node, "stream_dropped") > 0,
          () -> SyncFixture.errorsByKind(node));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.OTHER))
          && TestTls.TENANT_A.equals(cn(node, TestTls.TENANT_A)) && TestTls.TENANT_B.equals(cn(node, TestTls.TENANT_B)));
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      cp.chaos().reset();
    }
  }

  @Test
  void silentStream() throws Exception {
    // streams answer 200 and then never send a line (the flag is read when a stream opens)
    cp.chaos().silentStreams(true);
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      Await.until(() -> node.node().syncStatus().mode().name().equals("STREAMING"));
      // a change while the stream is silent still arrives: the heal poll (every 5 s while streaming) runs beside it
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_b", TestTls.OTHER, backendB.actualPort())));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.OTHER)));
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      cp.chaos().reset();
    }
  }

  @Test
  void wrongTokenIsUnauthorizedAndNoCrash() throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true)
        .set("control_plane.token", "not-the-token"))) {
      Await.until("unauthorized counted", () -> SyncFixture.syncErrors(node, "unauthorized") >= 2,
          () -> SyncFixture.errorsByKind(node));
      assertThat(node.node().syncStatus().syncJson().getString("last_error")).startsWith("unauthorized");
      assertThat(Probe.get(node, "/v1/status")).contains("\"phase\"");
      assertThat(node.node().state().phase().name()).isEqualTo("STARTING");
    }
  }

  @Test
  void malformedEventRejectedOthersApplied() throws Exception {
    try (FakeFeed feed = FakeFeed.start(vertx)) {
      feed.add(1, "route.created", FakeFeed.routeCreated("rt_good", TestTls.MYAPP, backendA.actualPort()))
          // protocol hint missing and listen port 0: rejected
          .add(2, "route.created", new JsonObject().put("routeId", "rt_bad").put("envId", SyncFixture.ENV)
              .put("appId", SyncFixture.APP).put("hostname", TestTls.TENANT_B))
          // payload that is not an object at all
          .add(3, "route.updated", null)
          .add(4, "widget.spun", new JsonObject().put("what", "ever"))
          .add(6, "route.created", FakeFeed.routeCreated("rt_good2", TestTls.OTHER, backendB.actualPort()));
      // polling: every poll re-reads the bad events in its trailing window
      try (TestNode node = TestNode.start(SyncFixture.spec(feed.url(), false))) {
        Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP))
            && TestTls.TENANT_B.equals(cn(node, TestTls.OTHER)));
        assertThat(SyncFixture.backends(node, "rt_bad")).isNull();
        assertThat(SyncFixture.refused(node, TestTls.TENANT_B)).isTrue();
        Await.until("cursor past the unknown event", () -> node.node().syncStatus().cursor() == 6,
            () -> "cursor " + node.node().syncStatus().cursor());
        // counted once each, although every poll re-reads them in its heal window
        int reads = feed.feedReads.get();
        Await.until("three more polls", () -> feed.feedReads.get() >= reads + 3, () -> "");
        assertThat(Probe.counter(node, MetricNames.SYNC_EVENTS, "outcome", "rejected")).isEqualTo(2);
        assertThat(Probe.counter(node, MetricNames.SYNC_EVENTS, "outcome", "ignored")).isEqualTo(1);
        assertThat(Probe.counter(node, MetricNames.SYNC_EVENTS, "outcome", "applied")).isEqualTo(2);
        // a later event still applies
        feed.add(7, "route.deleted", new JsonObject().put("routeId", "rt_good").put("orgId", SyncFixture.ORG)
            .put("envId", SyncFixture.ENV).put("hostname", TestTls.MYAPP));
        Await.until(() -> SyncFixture.refused(node, TestTls.MYAPP));
        assertThat(cn(node, TestTls.OTHER)).isEqualTo(TestTls.TENANT_B);
      }
    }
  }

  /**
   * A stream request that is accepted and never answered (a black hole) times out after request_timeout and the
   * node streams again, instead of waiting forever and polling for good.
   */
  @Test
  void unansweredStreamRequestTimesOut() throws Exception {
    try (FakeFeed feed = FakeFeed.start(vertx)) {
      feed.add(1, "route.created", FakeFeed.routeCreated("rt_good", TestTls.MYAPP, backendA.actualPort()));
      feed.hangStreams.set(1);
      try (TestNode node = TestNode.start(SyncFixture.spec(feed.url(), true))) {
        Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
        Await.until("stream timeout counted", () -> SyncFixture.syncErrors(node, "timeout") > 0,
            () -> SyncFixture.errorsByKind(node));
        Await.until("streaming again", () -> feed.streamsServed.get() > 0
            && node.node().syncStatus().mode().name().equals("STREAMING"), () -> SyncFixture.errorsByKind(node));
      }
    }
  }
}
