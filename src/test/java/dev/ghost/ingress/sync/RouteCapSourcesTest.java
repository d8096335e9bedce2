package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code control_plane.max_routes} holds for every source of routes, not only the control plane's feed
 * ({@code RouteCapIT}): a state file and a fleet leader's snapshot over the cap are not taken, and each refusal is
 * counted. A follower node, talking to no control plane.
 */
class RouteCapSourcesTest {

  static final int CAP = 3;

  @TempDir
  Path dir;
  Vertx vertx;
  SimpleMeterRegistry registry;
  RouteTableRef tables;
  SyncStatus status;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    status = new SyncStatus();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void aStateFileOverTheCapIsIgnoredLikeACorruptOne() throws Exception {
    SyncVerticle sync = follower(SyncAtScaleTest.state(CAP + 1, 9443));

    // "none" until the file has been read and judged
    Await.until("the state file read", () -> !"none".equals(status.stateFileJson().getString("loaded")),
        () -> status.stateFileJson().encode());
    assertThat(status.stateFileJson().getString("loaded")).isEqualTo(StateFileOutcome.TOO_MANY_ROUTES.label());
    assertThat(count(MetricNames.STATE_FILE_LOADS, "outcome", "too_many_routes")).isEqualTo(1);
    assertThat(count(MetricNames.SYNC_ERRORS, "kind", "too_many_routes")).isEqualTo(1);
    assertThat(sync.served().serving()).isFalse();
    assertThat(tables.current().routes()).isEmpty();
  }

  @Test
  void aClusterSnapshotOverTheCapIsNotTaken() throws Exception {
    ControlPlaneState atCap = SyncAtScaleTest.state(CAP, 9443);
    SyncVerticle sync = follower(atCap);
    Await.until("the state file served", () -> sync.served().serving(), () -> status.stateFileJson().encode());

    assertThat(sync.adopt(SyncAtScaleTest.state(CAP + 1, 9444), served -> true).await()).isFalse();

    assertThat(count(MetricNames.SYNC_ERRORS, "kind", "too_many_routes")).isEqualTo(1);
    assertThat(tables.current().routes()).hasSize(CAP);
    assertThat(sync.served().hash()).isEqualTo(atCap.contentHash());
    assertThat(sync.adopt(SyncAtScaleTest.state(CAP, 9444), served -> true).await())
        .as("a snapshot within the cap is still taken").isTrue();
  }

  private SyncVerticle follower(ControlPlaneState inFile) throws Exception {
    Path file = dir.resolve("state.json");
    StateFile.write(file, inFile);
    IngressConfig config = TestNode.config(SyncFixture.spec("http://127.0.0.1:9", false)
        .set("state.file", file.toString())
        .set("control_plane.max_routes", CAP));
    tables = new RouteTableRef(IngressNode.staticTable(config, 1));
    SyncVerticle sync = new SyncVerticle(config, tables, new AtomicLong(1), new IngressMetrics(registry), status,
        () -> { }, false);
    vertx.deployVerticle(sync).await();
    return sync;
  }

  private double count(String metric, String tag, String value) {
    Counter c = registry.find(metric).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }
}
