package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clustered node's sync hands over and back (what the fleet coordinator does on election changes, e.g. after a
 * split-brain merge): {@code follow()} closes the event stream and stops polling, so control-plane changes reach it
 * no more (a witness node polling the same control plane sees two changes meanwhile), and {@code lead()} resumes
 * from the cursor in force and catches up.
 */
class SyncLeadershipIT {

  @TempDir
  Path dir;
  Vertx vertx;
  DevControlPlane cp;
  TestNode witness;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    cp = SyncFixture.startPlane(vertx, dir, null);
  }

  @AfterEach
  void stop() {
    if (witness != null) {
      witness.close();
    }
    vertx.close().await();
  }

  @Test
  void aFollowingSyncStopsTalkingToTheControlPlaneAndLeadingAgainCatchesUp() throws Exception {
    IngressConfig config = TestNode.config(SyncFixture.spec(SyncFixture.url(cp), true)
        .set("state.file", dir.resolve("state.json").toString()));
    RouteTableRef tables = new RouteTableRef(IngressNode.staticTable(config, 1));
    SyncStatus status = new SyncStatus();
    SyncVerticle sync = new SyncVerticle(config, tables, new AtomicLong(1),
        new IngressMetrics(new SimpleMeterRegistry()), status, () -> { }, false);
    vertx.deployVerticle(sync).await();

    sync.lead().await();
    cp.edit(s -> s.withRoute(SyncFixture.route("rt_1", "one.example.com", 9443)));
    Await.until("rt_1 applied while leading", () -> routeIds(tables).contains("rt_1"), () -> status.syncJson().encode());
    Await.until("the event stream open", () -> cp.openStreams() == 1, () -> "open streams " + cp.openStreams());

    sync.follow().await();
    assertThat(status.mode()).isEqualTo(SyncStatus.Mode.FOLLOWING);
    Await.until("the event stream closed", () -> cp.openStreams() == 0, () -> "open streams " + cp.openStreams());

    witness = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), false)
        .set("state.file", dir.resolve("witness.json").toString()));
    cp.edit(s -> s.withRoute(SyncFixture.route("rt_2", "two.example.com", 9443)));
    Await.until("the witness applies rt_2", () -> routeIds(witness.node().tables()).contains("rt_2"),
        () -> String.valueOf(routeIds(witness.node().tables())));
    cp.edit(s -> s.withRoute(SyncFixture.route("rt_3", "three.example.com", 9443)));
    Await.until("the witness applies rt_3", () -> routeIds(witness.node().tables()).contains("rt_3"),
        () -> String.valueOf(routeIds(witness.node().tables())));
    assertThat(routeIds(tables)).containsExactly("rt_1");
    assertThat(cp.openStreams()).isZero();
    assertThat(status.mode()).isEqualTo(SyncStatus.Mode.FOLLOWING);

    sync.lead().await();
    Await.until("rt_2 and rt_3 applied after leading again",
        () -> routeIds(tables).containsAll(Set.of("rt_1", "rt_2", "rt_3")), () -> String.valueOf(routeIds(tables)));
    Await.until("the event stream open again", () -> cp.openStreams() == 1, () -> "open streams " + cp.openStreams());
  }

  private static Set<String> routeIds(RouteTableRef tables) {
    return tables.current().routes().stream().map(Route::id).collect(Collectors.toSet());
  }
}
