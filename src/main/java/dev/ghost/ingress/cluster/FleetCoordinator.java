package dev.ghost.ingress.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.ghost.ingress.sync.SyncVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares the routing state of a clustered node (only deployed when clustered and a control plane is configured).
 *
 * <p><b>Election:</b> the oldest Hazelcast member (the first of {@code getCluster().getMembers()}, an order every
 * member agrees on) is the leader; only it runs the control-plane sync. Re-evaluated on every membership change;
 * a leader that stops being the oldest (after a split-brain merge) stops syncing and follows the snapshot again.
 * A node that becomes leader first adopts the cluster snapshot when it is not older than what it serves, then
 * starts syncing from that cursor (re-applying events is idempotent, so nothing is lost or applied twice).
 *
 * <p><b>Snapshot:</b> after each change the leader writes a {@link FleetSnapshot} into {@value #ROUTING_MAP}.
 * Every other node takes it through an entry listener and, so that a missed notification heals, a check every
 * {@value #CHECK_MS} ms; it applies it only if it {@link FleetSnapshot#supersedes supersedes} what it serves (and
 * writes its own state file, as the sync does).
 *
 * <p><b>Convergence:</b> every node writes a {@link FleetEntry} into {@value #FLEET_MAP} every {@value #CHECK_MS}
 * ms and on change (TTL {@value #ENTRY_TTL_SECONDS} s); {@link #fleet()} renders {@code /v1/fleet}.
 *
 * <p>No Hazelcast call blocks an event loop: map reads and writes use the async API, listener registration and
 * whole-map reads run in {@code executeBlocking}, and Hazelcast callbacks hop to this verticle's context.
 */
public final class FleetCoordinator extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FleetCoordinator.class);
  /** Cluster map holding the leader's snapshot. */
  public static final String ROUTING_MAP = "ghost.routing";
  /** Key of the snapshot in {@link #ROUTING_MAP}. */
  public static final String SNAPSHOT_KEY = "snapshot";
  /** Cluster map of {@link FleetEntry} by node id. */
  public static final String FLEET_MAP = "ghost.fleet";
  /** Period of the snapshot check and the fleet-entry refresh. */
  public static final long CHECK_MS = 2_000;
  /** TTL of a fleet entry (a dead node's entry disappears after it). */
  public static final long ENTRY_TTL_SECONDS = 10;

  private final HazelcastInstance hz;
  private final SyncVerticle sync;
  private final String nodeId;
  private IMap<String, String> routing;
  private IMap<String, String> fleet;
  private boolean leader;
  private String appliedHash;
  private long appliedAtMs;
  private String publishedHash;
  private long publishedAtMs;
  private volatile boolean draining;

  /**
   * @param manager the node's (Hazelcast) cluster manager
   * @param sync    the node's sync verticle, deployed not leading ({@code leadAtStart} false)
   * @param nodeId  {@code GHOST_NODE_ID}
   */
  public FleetCoordinator(ClusterManager manager, SyncVerticle sync, String nodeId) {
    this.hz = ((HazelcastClusterManager) manager).getHazelcastInstance();
    this.sync = sync;
    this.nodeId = nodeId;
    sync.onServed((served, cause) -> {
      var ctx = context;
      if (ctx != null) {
        ctx.runOnContext(v -> onServed(served, cause));
      }
    });
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(this::register).onSuccess(v -> {
      elect();
      vertx.setPeriodic(CHECK_MS, t -> tick());
      tick();
    });
  }

  /** Worker thread: map proxies and listeners (may talk to other members). */
  private Void register() {
    routing = hz.getMap(ROUTING_MAP);
    fleet = hz.getMap(FLEET_MAP);
    routing.addEntryListener(new SnapshotListener(), SNAPSHOT_KEY, false);
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        context.runOnContext(v -> elect());
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        context.runOnContext(v -> elect());
      }
    });
    return null;
  }

  /** Notified by Hazelcast (on its threads) when the snapshot changes. */
  private final class SnapshotListener implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      context.runOnContext(v -> check());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      context.runOnContext(v -> check());
    }
  }

  // ---- election

  private void elect() {
    Member oldest = hz.getCluster().getMembers().iterator().next(); // a local read, no remote call
    boolean now = oldest.localMember();
    if (now == leader) {
      return;
    }
    leader = now;
    if (now) {
      takeOver().onFailure(err -> LOG.atWarn().addKeyValue("cause", String.valueOf(err))
          .log("fleet: taking over the sync failed"));
    } else {
      // Only after a split-brain merge: the older side's leader syncs on; this one adopts its snapshots again
      LOG.atWarn().addKeyValue("leader", leaderId()).log("fleet: no longer the oldest member; following");
      sync.follow().onSuccess(v -> check());
    }
  }

  /** Adopt the cluster's snapshot when it is not older, then sync from its cursor. */
  private Future<Void> takeOver() {
    LOG.atInfo().addKeyValue("node_id", nodeId).log("fleet: elected leader (oldest member); starting sync");
    return readSnapshot().compose(snap -> snap == null ? Future.succeededFuture() : adopt(snap).mapEmpty())
        .recover(err -> Future.succeededFuture())
        .compose(v -> sync.lead());
  }

  // ---- snapshot

  private void tick() {
    check();
    writeEntry();
  }

  /** Reads the cluster snapshot: a follower adopts it, the leader rewrites it when it is missing or behind. */
  private void check() {
    readSnapshot().compose(snap -> {
      if (!leader) {
        return snap == null ? Future.succeededFuture() : adopt(snap).mapEmpty();
      }
      SyncVerticle.Served own = sync.served();
      if (snap != null && snap.supersedes(own)) {
        return adopt(snap).mapEmpty(); // the cluster is ahead (a takeover whose adopt failed): catch up first
      }
      return own.serving() && !sameVersion(snap, own) ? writeSnapshot(own) : Future.succeededFuture();
    }).onFailure(err -> LOG.atDebug().addKeyValue("cause", String.valueOf(err)).log("fleet: snapshot check failed"));
  }

  private static boolean sameVersion(FleetSnapshot snap, SyncVerticle.Served own) {
    return snap != null && snap.cursor() == own.state().cursor() && snap.hash().equals(own.hash());
  }

  private Future<Boolean> adopt(FleetSnapshot snap) {
    if (!snap.supersedes(sync.served())) {
      return Future.succeededFuture(false);
    }
    return sync.adopt(snap.controlPlaneState(), snap::supersedes).onSuccess(taken -> {
      if (taken) {
        LOG.atInfo().addKeyValue("cursor", snap.cursor()).addKeyValue("hash", snap.hash())
            .addKeyValue("leader", snap.leader()).log("fleet: cluster snapshot applied");
      }
    });
  }

  private Future<FleetSnapshot> readSnapshot() {
    return fromStage(routing.getAsync(SNAPSHOT_KEY)).map(FleetSnapshot::decode);
  }

  private Future<Void> writeSnapshot(SyncVerticle.Served own) {
    if (!own.hash().equals(publishedHash)) {
      publishedHash = own.hash();
      publishedAtMs = System.currentTimeMillis();
    }
    FleetSnapshot snap = FleetSnapshot.of(own, nodeId, publishedAtMs);
    return fromStage(routing.setAsync(SNAPSHOT_KEY, snap.encode())).mapEmpty();
  }

  /** On this verticle's context, after the sync changed what is served. */
  private void onServed(SyncVerticle.Served served, String cause) {
    if (leader && sync.leading() && !"cluster".equals(cause) && served.serving()) {
      writeSnapshot(served).onFailure(err -> LOG.atWarn().addKeyValue("cause", String.valueOf(err))
          .log("fleet: snapshot not written; the periodic check retries"));
    }
    writeEntry();
  }

  // ---- convergence

  /**
   * The node drains (SIGTERM or admin "drain node"): its fleet entry says so from now on, written at once, so
   * {@code /v1/fleet} shows it leaving the serving set before it leaves the cluster. Callable from any thread.
   */
  public void markDraining() {
    draining = true;
    var ctx = context;
    if (ctx != null) {
      ctx.runOnContext(v -> writeEntry());
    }
  }

  private void writeEntry() {
    SyncVerticle.Served served = sync.served();
    if (!served.serving()) {
      return;
    }
    if (!served.hash().equals(appliedHash)) {
      appliedHash = served.hash();
      appliedAtMs = System.currentTimeMillis();
    }
    FleetEntry entry = new FleetEntry(nodeId, hz.getCluster().getLocalMember().getUuid().toString(),
        served.state().cursor(), served.hash(), appliedAtMs, draining);
    fromStage(fleet.setAsync(nodeId, entry.encode(), ENTRY_TTL_SECONDS, TimeUnit.SECONDS))
        .onFailure(err -> LOG.atDebug().addKeyValue("cause", String.valueOf(err)).log("fleet: entry not written"));
  }

  /** The {@code /v1/fleet} view; callable from any thread. */
  public Future<JsonObject> fleet() {
    return vertx.executeBlocking(() -> {
      List<FleetEntry> entries = fleet.values().stream().map(FleetEntry::decode).toList();
      FleetSnapshot snap = FleetSnapshot.decode(routing.get(SNAPSHOT_KEY));
      Set<String> live = hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString())
          .collect(Collectors.toSet());
      return FleetView.render(leaderId(), entries, live, snap);
    });
  }

  /** The node id of the oldest member (its {@link ClusterPlan#NODE_ID_ATTRIBUTE}). */
  private String leaderId() {
    Member oldest = hz.getCluster().getMembers().iterator().next();
    String id = oldest.getAttribute(ClusterPlan.NODE_ID_ATTRIBUTE);
    return id != null ? id : oldest.getUuid().toString();
  }

  private <T> Future<T> fromStage(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, context);
  }
}
