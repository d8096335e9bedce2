package dev.ghost.ingress.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.spi.properties.ClusterProperty;
import com.hazelcast.spi.properties.HazelcastProperties;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.Settings;
import dev.ghost.ingress.sync.SyncVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares the routing state of a clustered node (only deployed when clustered and a control plane is configured).
 *
 * <p><b>Election:</b> the oldest <em>trusted</em> Hazelcast member (the first of {@code getCluster().getMembers()},
 * an order every member agrees on, whose membership proof verifies) is the leader; only it runs the control-plane
 * sync. A membership proof is the member's entry in {@value #MEMBERS_MAP}, keyed by its member UUID and sealed with
 * the cluster secret ({@link ClusterTrust}) over its UUID, node id and Hazelcast address: a member that cannot prove
 * the secret (a stranger that joined Hazelcast, or a node with another secret) is never elected, whatever its age.
 * Re-evaluated on every membership change, every {@value #BEAT_MS} ms from the local member list (Hazelcast's
 * membership event can come later) and every {@value #CHECK_MS} ms after re-reading proofs (a proof written after a
 * join is found then); a leader that stops being the oldest trusted member (after a split-brain merge) stops
 * syncing and follows the snapshot again.
 * A node that becomes leader first catches up with the routing log (base + deltas) when it is not older than what it
 * serves, then starts syncing from that cursor (re-applying events is idempotent, so nothing is lost or applied
 * twice).
 *
 * <p><b>Routing log:</b> after each change the leader publishes a small sealed delta and a new head into
 * {@value #ROUTING_MAP}, and now and then the whole state as the base snapshot ({@value #SNAPSHOT_KEY}); see
 * {@link FleetReplication}. A value that does not verify is refused (counted, logged once) and treated as absent;
 * the leader overwrites a refused head or base from its periodic check. Every other node follows the head through an
 * entry listener and, so that a missed notification heals, a check every {@value #CHECK_MS} ms that reads the head
 * only; it takes a version only if it {@link FleetHead#supersedes supersedes} what it serves (and writes its own
 * state file, as the sync does).
 *
 * <p><b>Convergence:</b> every node writes a sealed {@link FleetEntry} into {@value #FLEET_MAP} every
 * {@value #CHECK_MS} ms and on change (TTL {@value #ENTRY_TTL_SECONDS} s); {@link #fleet()} renders
 * {@code /v1/fleet} from the entries that verify.
 *
 * <p>No Hazelcast call blocks an event loop: map reads and writes use the async API, listener registration and
 * whole-map reads run in {@code executeBlocking}, and Hazelcast callbacks hop to this verticle's context.
 */
public final class FleetCoordinator extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FleetCoordinator.class);
  /** Cluster map holding the routing log: head, deltas and the base snapshot. */
  public static final String ROUTING_MAP = "ghost.routing";
  /** Key of the base snapshot in {@link #ROUTING_MAP}. */
  public static final String SNAPSHOT_KEY = "snapshot";
  /** Cluster map of {@link FleetEntry} by node id. */
  public static final String FLEET_MAP = "ghost.fleet";
  /** Field of a membership proof: the base forms besides the plain one that its member reads. */
  static final String READS = "reads";
  /** Cluster map of membership proofs by member UUID: who may be elected. */
  public static final String MEMBERS_MAP = "ghost.members";
  /** Period of the snapshot check and the fleet-entry refresh. */
  public static final long CHECK_MS = 2_000;
  /** TTL of a fleet entry (a dead node's entry disappears after it). */
  public static final long ENTRY_TTL_SECONDS = 10;
  /**
   * Period of the freeze watch ({@link PauseFence}: a gap much longer than this means the node was frozen) and of
   * the local look at the member list that elects without waiting for Hazelcast's membership event.
   */
  static final long BEAT_MS = 250;
  /**
   * How long after the elected member changed a follower also reads the head at every beat: the new leader's first
   * change must not wait for the 2 s check when its entry event comes late (events of a partition whose owner just
   * died are delivered once a backup has taken over, behind whatever queued meanwhile). At most one read at a time.
   */
  static final long FAILOVER_WATCH_MS = 5_000;

  private final HazelcastInstance hz;
  private final SyncVerticle sync;
  private final String nodeId;
  private final ClusterTrust trust;
  private IMap<String, String> routing;
  private IMap<String, String> fleet;
  private IMap<String, String> members;
  private boolean leader;
  /** A {@link #takeOver()} is under way: its end decides whether the sync leads. */
  private boolean takingOver;
  /** Member UUIDs whose proof verified (a UUID names one member for its lifetime); on this verticle's context. */
  private final Set<UUID> trusted = new HashSet<>();
  /** What a trusted member's proof says: its node id, and whether it reads {@link FleetSnapshot.Form#ZLIB} bases. */
  private record Proof(String nodeId, boolean readsZlib) {}

  /** What each trusted member's proof says (not this member's own); on this verticle's context. */
  private final Map<UUID, Proof> proofs = new HashMap<>();
  /** Members whose refused proof was counted already: re-checked every period, counted once. */
  private final Set<UUID> refusedMembers = new HashSet<>();
  /** The routing log (head, deltas, base snapshot); created at start. */
  private FleetReplication replication;
  /** Fleet-entry values refused, by key: counted once each (read from worker threads). */
  private final Map<String, String> refusedEntries = new ConcurrentHashMap<>();
  /** The elected member (the oldest trusted one); read by {@link #fleet()} on worker threads. */
  private volatile Member leaderMember;
  /** Until when (monotonic ns) a follower reads the head at every beat, after the elected member changed. */
  private long watchHeadUntil;
  /** A beat's head read is under way. */
  private boolean watchingHead;
  private String appliedHash;
  private long appliedAtMs;
  private volatile boolean draining;
  /** The {@link #fleet()} reading under way, or null; guarded by this. */
  private Future<JsonObject> fleetView;
  /** Fences publishing after a freeze; created at start (its limits come from Hazelcast's configuration). */
  private PauseFence pauseFence;
  /** This member's UUID as last seen: Hazelcast gives a member merged back after a split a new one. */
  private UUID memberUuid;
  /** The members this node saw at its last beat, and at the last beat before its last freeze. */
  private Set<UUID> membersSeen = Set.of();
  private Set<UUID> membersAtFreeze = Set.of();

  /**
   * @param manager the node's (Hazelcast) cluster manager
   * @param sync    the node's sync verticle, deployed not leading ({@code leadAtStart} false)
   * @param nodeId  {@code GHOST_NODE_ID}
   * @param trust   the cluster secret (or none, insecure): seals what this node writes, verifies what it reads
   */
  public FleetCoordinator(ClusterManager manager, SyncVerticle sync, String nodeId, ClusterTrust trust) {
    this.hz = ((HazelcastClusterManager) manager).getHazelcastInstance();
    this.sync = sync;
    this.nodeId = nodeId;
    this.trust = trust;
    sync.onServed((served, cause) -> {
      var ctx = context;
      if (ctx != null) {
        ctx.runOnContext(v -> onServed(served, cause));
      }
    });
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(this::register).compose(v -> refreshTrust()).compose(v -> refuseTakenNodeId())
        .onSuccess(v -> {
          pauseFence = newPauseFence();
          memberUuid = hz.getCluster().getLocalMember().getUuid();
          vertx.setPeriodic(BEAT_MS, t -> beat());
          elect();
          vertx.setPeriodic(CHECK_MS, t -> tick());
          tick();
        });
  }

  /** Worker thread: map proxies, listeners and this member's proof, written before anyone elects (remote calls). */
  private Void register() {
    routing = hz.getMap(ROUTING_MAP);
    fleet = hz.getMap(FLEET_MAP);
    members = hz.getMap(MEMBERS_MAP);
    trusted.add(hz.getCluster().getLocalMember().getUuid());
    members.set(localUuid(), memberProof(), ENTRY_TTL_SECONDS, TimeUnit.SECONDS);
    replication = new FleetReplication(vertx, new FleetLog(routing, fleet, trust, nodeId, context),
        Replica.of(sync), nodeId, this::fleetReads);
    routing.addEntryListener(new RoutingListener(), false);
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        context.runOnContext(v -> refreshTrust().onComplete(ar -> elect()));
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        context.runOnContext(v -> {
          trusted.remove(e.getMember().getUuid());
          proofs.remove(e.getMember().getUuid());
          refusedMembers.remove(e.getMember().getUuid());
          elect();
        });
      }
    });
    return null;
  }

  /**
   * A gap of half the fleet's failure-detection timeout is a freeze (the others may have removed this member by its
   * end); the fence holds until this member rejoins; if the membership it sees never changes, for that timeout
   * (the fleet kept it), else at most for that timeout plus two of Hazelcast's merge rounds (by then a split has
   * healed, or this node is alone for good).
   */
  private PauseFence newPauseFence() {
    HazelcastProperties props = new HazelcastProperties(hz.getConfig());
    long silentMs = props.getMillis(ClusterProperty.MAX_NO_HEARTBEAT_SECONDS);
    long mergeMs = props.getMillis(ClusterProperty.MERGE_NEXT_RUN_DELAY_SECONDS);
    return new PauseFence(Math.max(silentMs / 2, 4 * BEAT_MS), silentMs, silentMs + 2 * mergeMs, System::nanoTime);
  }

  /**
   * The freeze watch's beat, and an election: Hazelcast updates its member list at once but delivers the
   * membership event after the other listeners' (vertx-hazelcast's reads the cluster maps, which wait for the
   * partitions of a member that just died), so a local look at the list elects a new leader sooner.
   */
  private void beat() {
    publishing();
    elect();
    watchHead();
  }

  /** A follower's extra head read in the failover window (see {@link #FAILOVER_WATCH_MS}). */
  private void watchHead() {
    if (leader || watchingHead || System.nanoTime() - watchHeadUntil > 0) {
      return;
    }
    watchingHead = true;
    replication.check(false, false).onComplete(ar -> watchingHead = false);
  }

  /**
   * True when this node is the leader and may publish: not while a freeze fences it (see {@link PauseFence}).
   * Every call is also a beat of the freeze watch, so a publish that runs before the watch's own beat after a
   * freeze is fenced too.
   */
  private boolean publishing() {
    watchFreeze();
    return leader && !pauseFence.fenced();
  }

  /**
   * One beat of the freeze watch: a freeze is logged and makes the sync read the control plane at once; the fence
   * learns whether the fleet reacted (this node's view of the members changed) and ends when this member rejoined.
   */
  private void watchFreeze() {
    Set<UUID> members = memberUuids(); // a local read
    long frozenMs = pauseFence.beat(leader);
    if (frozenMs >= 0) {
      LOG.atWarn().addKeyValue("frozen_ms", frozenMs).addKeyValue("leader", leader)
          .log(leader ? "fleet: this node was frozen longer than the fleet waits for a silent member; publishing "
              + "nothing until it has rejoined" : "fleet: this node was frozen longer than the fleet waits for a "
              + "silent member");
      // what it serves may be stale: the control plane tells soonest (the cluster only after the merge)
      sync.pollNow();
      membersAtFreeze = membersSeen;
    }
    if (pauseFence.fenced() && !members.equals(membersAtFreeze)) {
      pauseFence.membersChanged();
    }
    membersSeen = members;
    UUID now = hz.getCluster().getLocalMember().getUuid(); // a local read
    if (!now.equals(memberUuid)) {
      memberUuid = now;
      if (pauseFence.fenced()) {
        LOG.atInfo().addKeyValue("member", now.toString()).log("fleet: rejoined the cluster; electing again");
      }
      pauseFence.lift();
    }
  }

  /** The members' UUIDs as this node sees them (a local read). */
  private Set<UUID> memberUuids() {
    return hz.getCluster().getMembers().stream().map(Member::getUuid).collect(Collectors.toSet());
  }

  private String localUuid() {
    return hz.getCluster().getLocalMember().getUuid().toString();
  }

  /**
   * This member's proof: its UUID, node id and address, and the base forms it reads besides the plain one
   * ({@value #READS}), sealed under its UUID.
   */
  private String memberProof() {
    Member local = hz.getCluster().getLocalMember();
    String body = new JsonObject().put("member", local.getUuid().toString()).put("node_id", nodeId)
        .put("address", local.getAddress().toString()).put(READS, new JsonArray().add(FleetSnapshot.Form.ZLIB.field()))
        .encode();
    return trust.seal(TrustChannel.MEMBER_ENTRY, local.getUuid().toString(), nodeId, body);
  }

  /** Reads the proof of every member not trusted yet; completes when all are read (failures leave them untrusted). */
  private Future<Void> refreshTrust() {
    List<Future<?>> reads = new ArrayList<>();
    for (Member m : hz.getCluster().getMembers()) { // a local read of the member list
      if (trusted.contains(m.getUuid())) {
        continue;
      }
      reads.add(fromStage(members.getAsync(m.getUuid().toString())).onSuccess(value -> verifyProof(m, value)));
    }
    return Future.join(reads).<Void>mapEmpty().otherwiseEmpty();
  }

  private void verifyProof(Member m, String value) {
    if (value == null) {
      return; // not written yet (it joined a moment ago), or a stranger that writes none: untrusted either way
    }
    String key = m.getUuid().toString();
    ClusterTrust.Opened opened = trust.unseal(TrustChannel.MEMBER_ENTRY, key, value);
    TrustRefusal refusal = opened.refusal();
    if (refusal == null) {
      JsonObject body;
      try {
        body = new JsonObject(opened.body());
      } catch (RuntimeException e) {
        body = new JsonObject();
      }
      // signed by a secret holder, but for this member? (a proof copied from another member's key is not)
      if (key.equals(body.getString("member")) && m.getAddress().toString().equals(body.getString("address"))) {
        trusted.add(m.getUuid());
        proofs.put(m.getUuid(), new Proof(String.valueOf(body.getString("node_id")),
            body.getValue(READS) instanceof JsonArray reads && reads.contains(FleetSnapshot.Form.ZLIB.field())));
        return;
      }
      refusal = TrustRefusal.MISMATCH;
    }
    if (refusedMembers.add(m.getUuid())) {
      String claimed = m.getAttribute(ClusterPlan.NODE_ID_ATTRIBUTE);
      trust.refused(TrustChannel.MEMBER_ENTRY, refusal, claimed != null ? claimed : key);
    }
  }

  /**
   * At start: another trusted member already names itself with this node's id. Two nodes under one id overwrite
   * each other's fleet entry and health view, and an admin command for that id reaches only one of them, so the
   * newcomer refuses to start (exit code 2, like a bad setting) and the member already serving stays. (Two that
   * start at once both pass; their health views name each other: see the health verticle.)
   */
  private Future<Void> refuseTakenNodeId() {
    Member other = memberWithThisNodeId();
    if (other == null) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new ConfigException(ConfigException.ENVIRONMENT, Settings.NODE_ID.envVar(),
        "node id '" + nodeId + "' is taken by the fleet member at " + other.getAddress() + "; give every node its "
            + "own (" + Settings.NODE_ID.envVar() + " or " + Settings.NODE_ID.key() + "); a previous run of this "
            + "node that died without leaving is removed once the fleet has not heard from it for "
            + "hazelcast.max.no.heartbeat.seconds"));
  }

  /**
   * The form of base every trusted member reads: {@link FleetSnapshot.Form#ZLIB} unless a trusted member's proof
   * does not list it (a node of an older version). Members not trusted are not asked: they are not served.
   */
  private FleetSnapshot.Form fleetReads() {
    for (Member m : hz.getCluster().getMembers()) { // a local read
      Proof p = proofs.get(m.getUuid());
      if (p != null && !p.readsZlib()) {
        return FleetSnapshot.Form.PLAIN;
      }
    }
    return FleetSnapshot.Form.ZLIB;
  }

  /** A trusted member other than this one whose proof names this node's id, or null (a local read). */
  private Member memberWithThisNodeId() {
    UUID self = hz.getCluster().getLocalMember().getUuid();
    return hz.getCluster().getMembers().stream().filter(m -> !m.getUuid().equals(self)
        && nodeId.equals(provenNodeId(m.getUuid()))).findFirst().orElse(null);
  }

  /** The node id {@code member}'s proof names; null when it is not trusted (or is this member). */
  private String provenNodeId(UUID member) {
    Proof p = proofs.get(member);
    return p == null ? null : p.nodeId();
  }

  /**
   * Notified by Hazelcast (on its threads) of every change in {@value #ROUTING_MAP}, without the value: a new head
   * is read (small); a base or delta written by anyone but this node or the leader is checked (see
   * {@link FleetReplication}).
   */
  private final class RoutingListener implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryRemovedListener<String, String>, EntryMergedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      changed(e, false);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      changed(e, false);
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      changed(e, false);
    }

    @Override
    public void entryMerged(EntryEvent<String, String> e) {
      changed(e, true);
    }

    private void changed(EntryEvent<String, String> e, boolean merged) {
      String key = e.getKey();
      Member writer = merged ? null : e.getMember(); // a merge is nobody's write: checked
      context.runOnContext(v -> {
        if (FleetLog.HEAD_KEY.equals(key)) {
          check(false);
        } else if (SNAPSHOT_KEY.equals(key)) {
          replication.baseWritten(writer, FleetCoordinator.this::trustedWriter, publishing());
        } else if (FleetLog.deltaSeq(key) >= 0) {
          replication.deltaChanged(FleetLog.deltaSeq(key), writer, FleetCoordinator.this::trustedWriter);
        }
      });
    }
  }

  /** This member or the elected leader: the writers of the routing log. */
  private boolean trustedWriter(Member m) {
    return m.localMember() || m.equals(leaderMember);
  }

  // ---- election

  private void elect() {
    Member elected = electedMember(); // a local read, no remote call
    if (leaderMember == null || !leaderMember.getUuid().equals(elected.getUuid())) {
      watchHeadUntil = System.nanoTime() + FAILOVER_WATCH_MS * 1_000_000;
    }
    leaderMember = elected;
    boolean now = elected.localMember();
    if (now == leader) {
      if (!now && sync.leading() && !takingOver) {
        // level-triggered too: whatever raced an earlier election, a follower never talks to the control plane
        follow();
      }
      return;
    }
    leader = now;
    if (now) {
      takingOver = true;
      takeOver().onComplete(ar -> takingOver = false).onFailure(err -> LOG.atWarn()
          .addKeyValue("cause", String.valueOf(err)).log("fleet: taking over the sync failed"));
    } else {
      // Only after a split-brain merge, or a start that elected itself before an older member's proof was read
      LOG.atWarn().addKeyValue("leader", leaderId()).log("fleet: no longer the oldest member; following");
      follow();
    }
  }

  private void follow() {
    sync.follow().onSuccess(v -> check(true));
  }

  /** The oldest member whose proof verified; this member when no older one did (it trusts itself). */
  private Member electedMember() {
    for (Member m : hz.getCluster().getMembers()) {
      if (m.localMember() || trusted.contains(m.getUuid())) {
        return m;
      }
    }
    return hz.getCluster().getLocalMember();
  }

  /** Catch up with the routing log when it is not older, then sync from its cursor. */
  private Future<Void> takeOver() {
    LOG.atInfo().addKeyValue("node_id", nodeId).log("fleet: elected leader (oldest trusted member); starting sync");
    return replication.check(false, false)
        // the election may have moved on while the log was read: then this node stays a follower
        .compose(v -> {
          LOG.atInfo().addKeyValue("cursor", sync.served().state().cursor()).addKeyValue("leader", leader)
              .log("fleet: routing log caught up");
          return leader ? sync.lead() : Future.succeededFuture();
        });
  }

  // ---- snapshot

  private void tick() {
    // the proof's TTL is refreshed, so a member that left takes its proof with it
    fromStage(members.setAsync(localUuid(), memberProof(), ENTRY_TTL_SECONDS, TimeUnit.SECONDS))
        .onFailure(err -> LOG.atDebug().addKeyValue("cause", String.valueOf(err)).log("fleet: proof not written"));
    refreshTrust().onComplete(ar -> elect());
    check(true);
    writeEntry();
  }

  /** Reads the routing log's head: a follower catches up, the leader publishes (see {@link FleetReplication}). */
  private void check(boolean periodic) {
    replication.check(periodic, publishing());
  }

  /** On this verticle's context, after the sync changed what is served. */
  private void onServed(SyncVerticle.Served served, String cause) {
    if (publishing() && sync.leading() && !"cluster".equals(cause) && served.serving()) {
      replication.published();
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
    String sealed = trust.seal(TrustChannel.FLEET_ENTRY, nodeId, nodeId, entry.encode());
    fromStage(fleet.setAsync(nodeId, sealed, ENTRY_TTL_SECONDS, TimeUnit.SECONDS))
        .onFailure(err -> LOG.atDebug().addKeyValue("cause", String.valueOf(err)).log("fleet: entry not written"));
  }

  /** The {@code /v1/fleet} view; callable from any thread. */
  public Future<JsonObject> fleet() {
    synchronized (this) {
      if (fleetView == null) {
        // One reading at a time, shared by every caller meanwhile: while a member is unreachable each reading
        // can take seconds, and callers that retry (a status page, a script) must not queue up more of them
        Future<JsonObject> reading = vertx.executeBlocking(this::readFleet, false);
        fleetView = reading;
        reading.onComplete(ar -> {
          synchronized (this) {
            fleetView = null;
          }
        });
      }
      return fleetView;
    }
  }

  /** Worker thread: the fleet map, the snapshot and the members, rendered. */
  private JsonObject readFleet() {
    List<FleetEntry> entries = new ArrayList<>();
    for (Map.Entry<String, String> e : fleet.entrySet()) {
      ClusterTrust.Opened opened = trust.unseal(TrustChannel.FLEET_ENTRY, e.getKey(), e.getValue());
      if (opened.refusal() == null) {
        entries.add(FleetEntry.decode(opened.body()));
      } else if (!e.getValue().equals(refusedEntries.put(e.getKey(), e.getValue()))) {
        trust.refused(TrustChannel.FLEET_ENTRY, opened.refusal(), opened.from());
      }
    }
    if (refusedEntries.size() > 1024) {
      refusedEntries.clear(); // a stranger inventing keys: forget, at worst some are counted twice
    }
    // the head, not the base: its version and publication time are all the view needs, and it is small
    ClusterTrust.Opened head = trust.unseal(TrustChannel.SNAPSHOT, FleetLog.HEAD_KEY, routing.get(FleetLog.HEAD_KEY));
    FleetSnapshot snap = head.body() == null ? null : FleetHead.decode(head.body()).asVersion();
    Set<String> live = hz.getCluster().getMembers().stream().map(m -> m.getUuid().toString())
        .collect(Collectors.toSet());
    return FleetView.render(leaderId(), entries, live, snap);
  }

  /** The node id of the elected member (its {@link ClusterPlan#NODE_ID_ATTRIBUTE}). */
  private String leaderId() {
    Member elected = leaderMember != null ? leaderMember : hz.getCluster().getLocalMember();
    String id = elected.getAttribute(ClusterPlan.NODE_ID_ATTRIBUTE);
    return id != null ? id : elected.getUuid().toString();
  }

  private <T> Future<T> fromStage(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, context);
  }
}
