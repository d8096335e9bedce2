package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcollections.TreePMap;

/**
 * Issue 11: at 10 000 routes the work that grows with the route count (building the table, the swap listeners,
 * hashing the state) stalled the sync's event loop. Counted, not timed: every swap of a 10 000-route table must
 * happen off the event loops.
 */
class SyncAtScaleTest {

  static final int N = 10_000;

  @TempDir
  Path dir;
  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /** {@code n} routes over n/100 envs, each with two backends on {@code backendPort}. */
  static ControlPlaneState state(int n, int backendPort) {
    Map<String, CpRoute> routes = new HashMap<>();
    Map<String, List<Backend>> backends = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String id = "rt_" + i;
      routes.put(id, new CpRoute(id, "app_" + i / 100, "env_" + i / 100, "r" + i + ".scale.test", 443,
          Protocol.TLS_PASSTHROUGH, "web", backendPort, false, false, false, null, i + 1));
      backends.put(id, List.of(new Backend("fd00::1", backendPort), new Backend("fd00::2", backendPort)));
    }
    return ControlPlaneState.restore(n, routes, Map.of(), backends, Map.of(), Map.of(), Map.of(), Set.of());
  }

  @Test
  void aTenThousandRouteTableIsBuiltAndSwappedOffTheEventLoop() throws Exception {
    Path file = dir.resolve("state.json");
    StateFile.write(file, state(N, 9443));
    // A follower: it serves the state file and adopts snapshots, and talks to no control plane
    IngressConfig config = TestNode.config(SyncFixture.spec("http://127.0.0.1:9", false)
        .set("state.file", file.toString()));
    RouteTableRef tables = new RouteTableRef(IngressNode.staticTable(config, 1));
    AtomicInteger swaps = new AtomicInteger();
    AtomicInteger swapsOnEventLoop = new AtomicInteger();
    tables.onSwap(t -> {
      swaps.incrementAndGet();
      if (Context.isOnEventLoopThread()) {
        swapsOnEventLoop.incrementAndGet();
      }
    });
    SyncVerticle sync = new SyncVerticle(config, tables, new AtomicLong(1),
        new IngressMetrics(new SimpleMeterRegistry()), new SyncStatus(), () -> { }, false);
    vertx.deployVerticle(sync).await();
    Await.until("the state file served", () -> sync.served().serving(), () -> String.valueOf(tables.current()));
    assertThat(tables.current().routes()).hasSize(N);

    ControlPlaneState moved = state(N, 9444);
    assertThat(sync.adopt(moved, served -> true).await()).isTrue();

    assertThat(tables.current().route("rt_" + (N - 1)).backends()).extracting(Backend::port).containsOnly(9444);
    assertThat(sync.served().hash()).isEqualTo(moved.contentHash());
    assertThat(swaps.get()).isEqualTo(2);
    assertThat(swapsOnEventLoop.get()).as("swaps of a %d-route table on an event loop", N).isZero();
  }

  /**
   * A first read of 10 000 route events is one batch; folding it on the event loop held the loop for the whole
   * fold (0.4-0.8 s per 16 MiB batch at 100 000 routes). Counted through the events counter: every increment made
   * on an event loop covers at most one feed page.
   */
  @Test
  void aTenThousandEventFeedIsFoldedOffTheEventLoop() throws Exception {
    FakeFeed feed = FakeFeed.start(vertx);
    try {
      for (int i = 0; i < N; i++) {
        feed.add(i + 1, "route.created", FakeFeed.routeCreated("rt_" + i, "r" + i + ".scale.test", 9443));
      }
      IngressConfig config = TestNode.config(SyncFixture.spec(feed.url(), false)
          .set("state.file", dir.resolve("state.json").toString()));
      RouteTableRef tables = new RouteTableRef(IngressNode.staticTable(config, 1));
      ThreadedCounts counts = new ThreadedCounts();
      SyncStatus status = new SyncStatus();
      SyncVerticle sync = new SyncVerticle(config, tables, new AtomicLong(1), new IngressMetrics(counts),
          status, () -> { }, true);
      vertx.deployVerticle(sync).await();
      Await.until("the feed served", () -> tables.current().routes().size() == N,
          () -> tables.current().routes().size() + " routes, feed reads " + feed.feedReads.get()
              + ", instance reads " + feed.instanceReads.get() + ", sync " + status.syncJson());
      assertThat(counts.total(MetricNames.SYNC_EVENTS)).isEqualTo(N);
      assertThat(counts.largestOnEventLoop(MetricNames.SYNC_EVENTS))
          .as("events folded in one go on an event loop").isLessThanOrEqualTo(ControlPlaneClient.PAGE);
    } finally {
      feed.close();
    }
  }

  /**
   * The periodic full rebuild replays the feed into a fresh state, carries the served backend sets over to routes
   * whose fetch failed ({@link ControlPlaneState#withBackendsFrom}) and swaps only if the content differs
   * ({@link ControlPlaneState#sameContent}, which compares every route when the digests agree). Both walks look up
   * every route of the served state, so they run on a worker. Counted, not timed: the served state's maps count
   * their key comparisons by thread, and a walk of 10 000 routes on an event loop makes more than 10 000.
   */
  @Test
  void aTenThousandRouteRebuildWalksTheServedStateOffTheEventLoop() throws Exception {
    FakeFeed feed = FakeFeed.start(vertx);
    try {
      for (int i = 0; i < N; i++) {
        feed.add(i + 1, "route.created", FakeFeed.routeCreated("rt_" + i, "r" + i + ".scale.test", 9443));
      }
      // Nothing but the rebuild: no poll, no refresh while it runs
      AtomicInteger swaps = new AtomicInteger();
      SyncVerticle sync = followerOf(feed, swaps, spec -> spec.set("control_plane.poll_interval", "1h")
          .set("control_plane.backend_sync_interval", "1h").set("control_plane.rebuild_interval", "1s"));
      // Served: what the feed holds (one ready instance on ::1 for the env), in maps that count comparisons
      CountedKeys keys = new CountedKeys();
      assertThat(sync.adopt(keys.rehome(feedContent(N, 9443)), served -> true).await()).isTrue();
      sync.lead().await();
      afterQueuedSteps(sync);

      keys.reset();
      int replays = feed.readsFromZero.get();
      int swapsBefore = swaps.get();
      Await.until("a full rebuild began", () -> feed.readsFromZero.get() > replays,
          () -> "reads from 0: " + feed.readsFromZero.get());
      afterQueuedSteps(sync);

      assertThat(swaps.get()).as("the rebuild found the served content: nothing swapped").isEqualTo(swapsBefore);
      assertThat(keys.onLoop()).as("comparisons on an event loop while a %d-route rebuild ran", N).isLessThan(N);
      assertThat(keys.offLoop()).as("comparisons of the rebuild's walks, off the event loops")
          .isGreaterThanOrEqualTo(N);
    } finally {
      feed.close();
    }
  }

  /**
   * A follower adopting a cluster snapshot with the content it serves, in maps of its own (as after a start from its
   * state file): deciding that nothing changed walks both states when their digests agree, which must not happen on
   * the event loop at 10 000 routes.
   */
  @Test
  void aSnapshotOfTheServedContentIsComparedOffTheEventLoop() throws Exception {
    FakeFeed feed = FakeFeed.start(vertx);
    try {
      AtomicInteger swaps = new AtomicInteger();
      SyncVerticle sync = followerOf(feed, swaps, spec -> spec);
      CountedKeys keys = new CountedKeys();
      assertThat(sync.adopt(keys.rehome(feedContent(N, 9443)), served -> true).await()).isTrue();
      afterQueuedSteps(sync);
      int swapsBefore = swaps.get();

      keys.reset();
      assertThat(sync.adopt(keys.rehome(feedContent(N, 9443)), served -> true).await()).isTrue();
      afterQueuedSteps(sync);

      assertThat(swaps.get()).as("the same content: nothing swapped").isEqualTo(swapsBefore);
      assertThat(keys.onLoop()).as("comparisons on an event loop deciding a %d-route snapshot changed nothing", N)
          .isLessThan(N);
      assertThat(keys.offLoop()).as("comparisons of that walk, off the event loops").isGreaterThanOrEqualTo(N);
    } finally {
      feed.close();
    }
  }

  /**
   * A sync verticle on {@code feed}, deployed not leading, its state file in the test's directory and its settings
   * edited by {@code settings}; {@code swaps} counts its table's swaps.
   */
  private SyncVerticle followerOf(FakeFeed feed, AtomicInteger swaps,
      java.util.function.UnaryOperator<TestNode.Spec> settings) throws Exception {
    IngressConfig config = TestNode.config(settings.apply(SyncFixture.spec(feed.url(), false)
        .set("state.file", dir.resolve("state.json").toString())));
    RouteTableRef tables = new RouteTableRef(IngressNode.staticTable(config, 1));
    tables.onSwap(t -> swaps.incrementAndGet());
    SyncVerticle sync = new SyncVerticle(config, tables, new AtomicLong(1),
        new IngressMetrics(new SimpleMeterRegistry()), new SyncStatus(), () -> { }, false);
    vertx.deployVerticle(sync).await();
    return sync;
  }

  /** What {@link FakeFeed} serves for {@code n} routes created as events 1..n: cursor n, every set [::1]:port. */
  static ControlPlaneState feedContent(int n, int backendPort) {
    Map<String, CpRoute> routes = new HashMap<>();
    Map<String, List<Backend>> backends = new HashMap<>();
    List<Long> applied = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "rt_" + i;
      routes.put(id, new CpRoute(id, SyncFixture.APP, SyncFixture.ENV, "r" + i + ".scale.test", 443,
          Protocol.TLS_PASSTHROUGH, "web", backendPort, false, false, false, null, i + 1));
      backends.put(id, List.of(new Backend("::1", backendPort)));
      applied.add((long) i + 1);
    }
    return ControlPlaneState.restore(n, routes, Map.of(), backends, Map.of(), Map.of(), Map.of(), applied);
  }

  /** Completes once every step the sync queued before it has run (an adopt that takes nothing). */
  private static void afterQueuedSteps(SyncVerticle sync) {
    assertThat(sync.adopt(ControlPlaneState.EMPTY, served -> false).await()).isFalse();
  }

  /** A key order that counts its comparisons, on and off the event loops. */
  static final class CountedKeys implements Comparator<String> {
    private final LongAdder onLoop = new LongAdder();
    private final LongAdder offLoop = new LongAdder();

    @Override
    public int compare(String a, String b) {
      (Context.isOnEventLoopThread() ? onLoop : offLoop).increment();
      return a.compareTo(b);
    }

    /** {@code s} with its routing content in maps ordered by this (same entries, same digest). */
    ControlPlaneState rehome(ControlPlaneState s) {
      return new ControlPlaneState(s.cursor(), TreePMap.from(this, s.routeMap()),
          TreePMap.from(this, s.envMap()), TreePMap.from(this, s.backendMap()),
          s.fieldVersionMap(), s.envEventIdMap(), s.tombstoneMap(), s.pendingPatches(), s.appliedIdSet(),
          s.digestLimbs(), s.entriesHashed(), null);
    }

    void reset() {
      onLoop.reset();
      offLoop.reset();
    }

    long onLoop() {
      return onLoop.sum();
    }

    long offLoop() {
      return offLoop.sum();
    }
  }

  /** A registry whose counters remember, per name, their total and the largest increment made on an event loop. */
  static final class ThreadedCounts extends SimpleMeterRegistry {
    private final Map<String, DoubleAdder> totals = new ConcurrentHashMap<>();
    private final Map<String, Double> largestOnLoop = new ConcurrentHashMap<>();

    @Override
    protected Counter newCounter(Meter.Id id) {
      Counter inner = super.newCounter(id);
      String name = id.getName();
      return new Counter() {
        @Override
        public void increment(double amount) {
          totals.computeIfAbsent(name, k -> new DoubleAdder()).add(amount);
          if (Context.isOnEventLoopThread()) {
            largestOnLoop.merge(name, amount, Math::max);
          }
          inner.increment(amount);
        }

        @Override
        public double count() {
          return inner.count();
        }

        @Override
        public Meter.Id getId() {
          return inner.getId();
        }
      };
    }

    double total(String name) {
      return totals.getOrDefault(name, new DoubleAdder()).sum();
    }

    double largestOnEventLoop(String name) {
      return largestOnLoop.getOrDefault(name, 0.0);
    }
  }
}
