package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.CpEvent;
import dev.ghost.ingress.sync.RoutePatch;
import dev.ghost.ingress.sync.SyncVerticle.Served;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bytes the leader writes into a real Hazelcast map per route change, counted from the map's own entry events,
 * over {@value #CHANGES} changes at 1 000 and at 10 000 routes: compaction in proportion to the base keeps the
 * average per change a small multiple of the change itself, the same at both sizes (the former rule, a base after
 * 64 deltas or 30 s, wrote a 4.3 MB base every 64 changes at 10 000 routes: ≈ 66 kB per change, eight times the
 * figure at 1 000 routes). Compaction removes the deltas older than the previous base. A follower that joins
 * afterwards catches up through the base and every delta after it, read in batches, to the leader's exact version.
 */
class CompactionBytesIT {

  static final int CHANGES = 400;
  static final ClusterTrust TRUST = ClusterTrust.ofSecret(
      "compaction-secret-compaction-secret-0123456789".getBytes(StandardCharsets.UTF_8));

  static Vertx vertx;
  static HazelcastInstance hz;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int port = TestFleet.freePort(new HashSet<>());
    IngressConfig.Cluster c = new IngressConfig.Cluster(List.of("127.0.0.1:" + port), "127.0.0.1", port,
        "ghost-compaction-" + UUID.randomUUID(), 0);
    Properties props = new Properties();
    TestFleet.FAST_HAZELCAST.forEach(props::setProperty);
    hz = Hazelcast.newHazelcastInstance(ClusterSetup.hazelcastConfig(ClusterPlan.of(c, "node-0"), props));
  }

  @AfterAll
  static void stop() {
    if (hz != null) {
      hz.shutdown();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void bytesWrittenPerChangeStayInProportionToTheChangeNotTheTable() {
    Written at1000 = changes(1_000);
    Written at10000 = changes(10_000);
    System.out.println("[CompactionBytesIT] per change, written / of which deltas and heads: " + at1000.perChange()
        + " / " + at1000.logPerChange() + " B at 1 000 routes (base " + at1000.baseChars() + " B), "
        + at10000.perChange() + " / " + at10000.logPerChange() + " B at 10 000 routes (base "
        + at10000.baseChars() + " B)");
    // a base is written once the deltas since the last add up to half its size: at most twice the deltas on top
    assertThat(at10000.perChange()).isLessThanOrEqualTo(3 * at10000.logPerChange());
    assertThat(at1000.perChange()).isLessThanOrEqualTo(3 * at1000.logPerChange());
    // and not growing with the table: ten times the routes, about the same bytes per change
    assertThat(at10000.perChange()).isLessThan(2 * at1000.perChange());
    assertThat(at1000.logStart()).as("at 1 000 routes, a second base removed more deltas than one batch")
        .isGreaterThan(FleetLog.DELTA_BATCH + 1);
  }

  /**
   * The fleet entries the leader reads to find a follower that computes other hashes: those sealed with the fleet's
   * secret, not a stranger's.
   */
  @Test
  void theLeaderReadsOnlyTheFleetEntriesSealedWithTheFleetsSecret() {
    IMap<String, String> fleet = hz.getMap("ghost.fleet.entries");
    FleetEntry follower = new FleetEntry("node-1", "m1", 40, "other-formula", 1_000);
    fleet.set("node-1", TRUST.seal(TrustChannel.FLEET_ENTRY, "node-1", "node-1", follower.encode()));
    ClusterTrust stranger = ClusterTrust.ofSecret("a-stranger-s-secret-a-stranger-s-secret-01".getBytes(
        StandardCharsets.UTF_8));
    fleet.set("node-2", stranger.seal(TrustChannel.FLEET_ENTRY, "node-2", "node-2",
        new FleetEntry("node-2", "m2", 40, "forged", 1_000).encode()));
    Context ctx = vertx.getOrCreateContext();
    FleetLog log = new FleetLog(hz.getMap("ghost.routing.entries"), fleet, TRUST, "node-0", ctx);
    List<FleetEntry> read = Future.<List<FleetEntry>>future(p -> ctx.runOnContext(v -> log.fleetEntries()
        .onComplete(p))).await();
    assertThat(read).containsExactly(follower);
    fleet.destroy();
  }

  /** What the leader wrote over {@value #CHANGES} changes on an {@code n}-route table. */
  private record Written(long total, long log, long baseChars, long logStart) {
    long perChange() {
      return total / CHANGES;
    }

    long logPerChange() {
      return log / CHANGES;
    }
  }

  private Written changes(int n) {
    IMap<String, String> routing = hz.getMap("ghost.routing.compaction-" + n);
    IMap<String, String> fleet = hz.getMap("ghost.fleet.compaction-" + n);
    Counter counter = new Counter();
    routing.addEntryListener(counter, true);
    Context ctx = vertx.getOrCreateContext();
    Holder leader = new Holder(FleetValues.routes(n));
    FleetReplication replication = new FleetReplication(vertx,
        new FleetLog(routing, fleet, TRUST, "node-0", ctx), leader, "node-0", () -> FleetSnapshot.Form.ZLIB);
    on(ctx, () -> replication.check(true, true));
    Await.until("the first base", Duration.ofSeconds(60), () -> counter.seen(routing), counter::toString);
    long baseChars = routing.get(FleetCoordinator.SNAPSHOT_KEY).length();
    counter.reset();

    for (int i = 0; i < CHANGES; i++) {
      leader.served = servedOf(change(leader.served.state(), "rt_" + (i * 7919 % n), 10_000 + i));
      on(ctx, replication::published);
    }
    Await.until("every write seen", Duration.ofSeconds(60), () -> counter.seen(routing), counter::toString);
    FleetHead head = FleetHead.decode(TRUST.open(TrustChannel.SNAPSHOT, FleetLog.HEAD_KEY,
        routing.get(FleetLog.HEAD_KEY)));
    // compaction removes the deltas older than the previous base, a batch at a time
    Await.until("the deltas before " + head.logStart() + " removed", Duration.ofSeconds(60),
        () -> routing.keySet().stream().mapToLong(FleetLog::deltaSeq).noneMatch(s -> s >= 0 && s < head.logStart()),
        () -> routing.keySet().size() + " keys");
    Written written = new Written(counter.total.get(), counter.log.get(), baseChars, head.logStart());

    // a node that joins now: the base and every delta after it, to the leader's exact version
    Holder follower = new Holder(null);
    Context fctx = vertx.getOrCreateContext();
    FleetReplication following = new FleetReplication(vertx,
        new FleetLog(routing, fleet, TRUST, "node-1", fctx), follower, "node-1", () -> FleetSnapshot.Form.ZLIB);
    on(fctx, () -> following.check(true, false));
    assertThat(follower.served.hash()).as("the follower's version").isEqualTo(leader.served.hash());
    assertThat(follower.served.state().cursor()).isEqualTo(leader.served.state().cursor());
    routing.destroy();
    return written;
  }

  /** Runs {@code op} on {@code ctx} and waits for it (the routing log's methods run on its coordinator's context). */
  private static void on(Context ctx, Supplier<Future<Void>> op) {
    Future.<Void>future(p -> ctx.runOnContext(v -> op.get().onComplete(p))).await();
  }

  /** Bytes of every value written (added or replaced), as the map reports them; deltas and heads apart. */
  private static final class Counter implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String> {
    final AtomicLong total = new AtomicLong();
    final AtomicLong log = new AtomicLong();
    volatile String lastHead;

    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      count(e);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      count(e);
    }

    private void count(EntryEvent<String, String> e) {
      int chars = e.getValue().length();
      total.addAndGet(chars);
      if (!FleetCoordinator.SNAPSHOT_KEY.equals(e.getKey())) {
        log.addAndGet(chars);
      }
      if (FleetLog.HEAD_KEY.equals(e.getKey())) {
        lastHead = e.getValue();
      }
    }

    /** True once the head event that matches the map's head arrived (events come after the writes). */
    boolean seen(IMap<String, String> routing) {
      String head = routing.get(FleetLog.HEAD_KEY);
      return head != null && head.equals(lastHead);
    }

    void reset() {
      total.set(0);
      log.set(0);
    }

    @Override
    public String toString() {
      return "written " + total + " B, head " + lastHead;
    }
  }

  /** A replica that serves what it is given, or takes what the log hands it. */
  private static final class Holder implements Replica {
    volatile Served served;

    Holder(ControlPlaneState state) {
      this.served = state == null ? new Served(ControlPlaneState.EMPTY, ControlPlaneState.EMPTY.contentHash(), false)
          : servedOf(state);
    }

    @Override
    public Served served() {
      return served;
    }

    @Override
    public Future<Boolean> adopt(ControlPlaneState candidate, Predicate<Served> accept) {
      boolean take = accept.test(served);
      if (take) {
        served = servedOf(candidate);
      }
      return Future.succeededFuture(take);
    }
  }

  private static Served servedOf(ControlPlaneState s) {
    return new Served(s, s.contentHash(), true);
  }


  /** One route's backend port moved, and its backends refetched: a typical change. */
  private static ControlPlaneState change(ControlPlaneState s, String id, int port) {
    ControlPlaneState applied = s.apply(List.of(new CpEvent.RouteUpdated(s.cursor() + 1, id,
        new RoutePatch(null, port, null, null, null, null)))).next();
    return applied.withBackends(id, List.of(new Backend("fd00::1", port), new Backend("fd00::3", port)));
  }
}
