package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A following sync keeps its control-plane read path warm ({@link SyncStandby}) against a real HTTP control plane:
 * it reads the feed behind its cursor and one group's instances, and takes nothing from them: the table, the cursor
 * and what it serves stay, no stream opens; leading again takes the change at once.
 */
class SyncStandbyIT {

  @TempDir
  Path dir;
  Vertx vertx;
  FakeFeed feed;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    feed = FakeFeed.start(vertx);
  }

  @AfterEach
  void stop() {
    feed.close();
    vertx.close().await();
  }

  @Test
  void aFollowerReadsTheFeedAndInstancesButAppliesNothing() throws Exception {
    feed.add(1, "route.created", FakeFeed.routeCreated("rt_1", TestTls.MYAPP, 9443));
    IngressConfig config = TestNode.config(SyncFixture.spec(feed.url(), true)
        .set("state.file", dir.resolve("state.json").toString()));
    RouteTableRef tables = new RouteTableRef(IngressNode.staticTable(config, 1));
    SyncStatus status = new SyncStatus();
    SyncVerticle sync = new SyncVerticle(config, tables, new AtomicLong(1),
        new IngressMetrics(new SimpleMeterRegistry()), status, () -> { }, false);
    AtomicInteger served = new AtomicInteger();
    sync.onServed((s, cause) -> served.incrementAndGet());
    vertx.deployVerticle(sync).await();
    sync.lead().await();
    Await.until("rt_1 applied while leading", () -> routeIds(tables).contains("rt_1"), () -> status.syncJson().encode());
    Await.until("the stream open", () -> feed.streamsServed.get() == 1);
    sync.follow().await();

    feed.add(2, "route.created", FakeFeed.routeCreated("rt_2", TestTls.OTHER, 9443));
    int feedReads = feed.feedReads.get();
    int instanceReads = feed.instanceReads.get();
    int servedBefore = served.get();
    long cursor = sync.served().state().cursor();
    Await.until("the follower read the feed and one group's instances",
        () -> feed.feedReads.get() > feedReads && feed.instanceReads.get() > instanceReads,
        () -> "feed reads " + feed.feedReads.get() + ", instance reads " + feed.instanceReads.get());

    assertThat(routeIds(tables)).as("nothing applied").containsExactly("rt_1");
    assertThat(sync.served().state().cursor()).as("the cursor stays").isEqualTo(cursor);
    assertThat(served.get()).as("nothing served anew").isEqualTo(servedBefore);
    assertThat(status.mode()).isEqualTo(SyncStatus.Mode.FOLLOWING);
    assertThat(feed.streamsServed.get()).as("no stream while following").isEqualTo(1);

    sync.lead().await();
    Await.until("rt_2 applied once leading again", () -> routeIds(tables).containsAll(Set.of("rt_1", "rt_2")),
        () -> String.valueOf(routeIds(tables)));
  }

  private static Set<String> routeIds(RouteTableRef tables) {
    return tables.current().routes().stream().map(Route::id).collect(Collectors.toSet());
  }
}
