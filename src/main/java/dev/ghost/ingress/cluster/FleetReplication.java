package dev.ghost.ingress.cluster;

import com.hazelcast.cluster.Member;
import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.StateDelta;
import dev.ghost.ingress.sync.SyncVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing log of a clustered node ({@link FleetLog}): the leader publishes each change as a small sealed delta
 * and a new head, and now and then a base snapshot (compaction); every node follows the head, applying the deltas
 * from the version it serves, or the base and the deltas after it when it is behind.
 *
 * <p><b>Guarantees</b> (as with the whole snapshot before): a node takes a version only if it
 * {@link FleetHead#supersedes supersedes} what it serves (never an older table); a delta applies only to its exact
 * from-version and only if the result's content hash is the head's; every value is verified (a refused one reads as
 * absent); the head and the base are written by compare-and-set against the value read, after checking it holds
 * no newer cursor, so a paused or cut-off leader never overwrites a newer head; a new leader first catches up with
 * base + deltas, then syncs from that cursor.
 *
 * <p><b>Compaction:</b> the base is rewritten when the deltas since the last one add up to half its size, or
 * long after it, or 30 s after it while a follower computes other content hashes ({@link Compaction}), or when
 * its value, or a delta's, was changed by anyone but the leader (then it is rewritten from the leader's periodic
 * check), or when a member that reads only {@link FleetSnapshot.Form#PLAIN} bases (an older version) is in the
 * fleet and the base may be in another form. Deltas older than the previous base are removed then (and
 * expire after {@value FleetLog#DELTA_TTL_SECONDS} s anyway), so a node a little behind still catches up by deltas.
 * A node behind reads the deltas it misses {@value FleetLog#DELTA_BATCH} per call: together they are smaller than
 * half the base, so reading them beats reading the base.
 *
 * <p>All methods run on the coordinator's context; log operations run one at a time, in order.
 */
final class FleetReplication {

  private static final Logger LOG = LoggerFactory.getLogger(FleetCoordinator.class);

  /** The state this node holds at log sequence {@code seq} (what the leader diffs against). */
  private record Known(ControlPlaneState state, String hash, long seq) {
    boolean is(long cursor, String h) {
      return state.cursor() == cursor && hash.equals(h);
    }
  }

  /** How far a fold of deltas got: a state, its version and how many deltas it took. */
  private record Reached(ControlPlaneState state, long cursor, String hash, int applied) {}

  private final Vertx vertx;
  private final FleetLog log;
  private final Replica replica;
  private final String nodeId;
  /** The form every trusted member reads, asked when a base is written (on the coordinator's context). */
  private final Supplier<FleetSnapshot.Form> fleetReads;
  private Future<Void> tail = Future.succeededFuture();
  private Known known;
  private FleetHead lastHead;
  /** The base's value was written by someone else than this leader: the leader's periodic check rewrites it. */
  private boolean baseSuspect;
  /** A delta in use was changed or removed by someone else: the leader's periodic check writes a new base. */
  private boolean logSuspect;
  /** The form of the base this node last read or wrote (null: none yet). */
  private FleetSnapshot.Form baseForm;
  /** When the leader last read the fleet entries for a follower with other hashes (wall clock ms). */
  private long entriesReadAtMs;
  private String publishedHash;
  private long publishedAtMs;

  /** @param fleetReads the form of base every trusted member reads now ({@link FleetCoordinator}) */
  FleetReplication(Vertx vertx, FleetLog log, Replica replica, String nodeId,
      Supplier<FleetSnapshot.Form> fleetReads) {
    this.vertx = vertx;
    this.log = log;
    this.replica = replica;
    this.nodeId = nodeId;
    this.fleetReads = fleetReads;
  }

  /**
   * Reads the head: a follower catches up with it; the leader catches up when it is ahead, else publishes what it
   * serves when the head differs ({@code periodic}: also when there is no head, and compacts when due).
   */
  Future<Void> check(boolean periodic, boolean leader) {
    return serial(() -> log.head().compose(read -> {
      FleetHead h = remember(read.value());
      SyncVerticle.Served own = replica.served();
      if (!leader || (h != null && h.supersedes(own))) {
        return catchUp(h);
      }
      if (!own.serving()) {
        return Future.succeededFuture();
      }
      if (h != null && h.servedBy(own)) {
        knowServed(own, h);
        return periodic ? compactIfDue(read, own, true) : Future.succeededFuture();
      }
      return periodic || h != null ? publish(read, own) : Future.succeededFuture();
    }));
  }

  /** The leader's sync changed what it serves: publish it. */
  Future<Void> published() {
    return serial(() -> log.head().compose(read -> {
      remember(read.value());
      SyncVerticle.Served own = replica.served();
      return own.serving() ? publish(read, own) : Future.succeededFuture();
    }));
  }

  /** The base snapshot was written by {@code writer} (null: unknown); {@code trusted} tells ours from others'. */
  void baseWritten(Member writer, Predicate<Member> trusted, boolean leader) {
    if (lastHead == null) {
      check(false, leader); // no head yet (or an older leader writing snapshots only): the snapshot is the state
      return;
    }
    if (writer != null && trusted.test(writer)) {
      return; // the leader's compaction: a node needs the base only when the head says it is behind
    }
    serial(() -> base().map(base -> {
      FleetSnapshot b = base.value();
      FleetHead h = lastHead;
      if (b == null || h == null || b.cursor() != h.baseCursor() || !b.hash().equals(h.baseHash())) {
        baseSuspect = true; // refused (counted by the read), or not the base the head names
      }
      return null;
    }));
  }

  /**
   * Delta {@code seq} was written, changed or removed by {@code writer} (null: unknown, or a merge): unless that is
   * this node or the leader, the leader writes a new base at its next periodic check if the delta is in use (a
   * node that missed it, or took a forged value for it, then catches up from the base).
   */
  void deltaChanged(long seq, Member writer, Predicate<Member> trusted) {
    FleetHead h = lastHead;
    if ((writer == null || !trusted.test(writer)) && h != null && seq >= h.logStart() && seq <= h.seq()) {
      logSuspect = true;
    }
  }

  private FleetHead remember(FleetHead h) {
    if (h != null) {
      lastHead = h;
    }
    return h;
  }

  private Future<Void> serial(Supplier<Future<Void>> op) {
    Future<Void> next = tail.transform(ar -> op.get()).recover(err -> {
      LOG.atDebug().addKeyValue("cause", String.valueOf(err)).log("fleet: routing log operation failed");
      return Future.succeededFuture();
    });
    tail = next;
    return next;
  }

  // ---- leader

  private Future<Void> publish(FleetLog.Read<FleetHead> read, SyncVerticle.Served own) {
    FleetHead h = read.value();
    if (h != null && h.cursor() > own.state().cursor()) {
      LOG.atWarn().addKeyValue("cursor", own.state().cursor()).addKeyValue("cluster_cursor", h.cursor())
          .addKeyValue("cluster_leader", h.leader())
          .log("fleet: change not published: the cluster holds a newer version; adopting it");
      return catchUp(h);
    }
    if (h != null && h.servedBy(own)) {
      knowServed(own, h);
      return Future.succeededFuture();
    }
    if (!own.hash().equals(publishedHash)) {
      publishedHash = own.hash();
      publishedAtMs = System.currentTimeMillis();
    }
    Known from = known;
    if (h != null && from != null && from.seq() == h.seq() && from.is(h.cursor(), h.hash()) && !logSuspect) {
      return writeDelta(read, from, own).compose(done -> done ? Future.succeededFuture()
          : writeBase(read, own, h.seq() + 1, publishedAtMs));
    }
    long seq = h != null ? h.seq() + 1 : lastHead != null ? lastHead.seq() + 1 : 1;
    return writeBase(read, own, seq, publishedAtMs);
  }

  /** True when handled (written, or the head moved meanwhile); false: publish a base instead. */
  private Future<Boolean> writeDelta(FleetLog.Read<FleetHead> read, Known from, SyncVerticle.Served own) {
    FleetHead h = read.value();
    long seq = h.seq() + 1;
    long at = publishedAtMs;
    // the diff compares the two tables and the seal hashes the delta: off the event loop
    return vertx.executeBlocking(() -> {
      FleetDelta d = new FleetDelta(seq, h.cursor(), h.hash(), own.state().cursor(), own.hash(), at, nodeId,
          StateDelta.diff(from.state(), own.state()));
      String sealed = log.seal(d);
      return sealed.length() <= FleetLog.MAX_DELTA_CHARS ? sealed : null;
    }, false).compose(sealed -> {
      if (sealed == null) {
        return Future.succeededFuture(false); // a change as large as a table: a base says it as well
      }
      return log.putDelta(sealed, seq).compose(put -> {
        if (!put) {
          LOG.atInfo().addKeyValue("seq", seq).log("fleet: delta key taken; publishing a base snapshot instead");
          return Future.succeededFuture(false);
        }
        FleetHead next = h.next(own, at, nodeId, sealed.length());
        return log.replaceHead(read.raw(), next).compose(written -> {
          if (written == null) {
            return Future.succeededFuture(true); // another writer moved the head: the next check decides
          }
          known = new Known(own.state(), own.hash(), seq);
          remember(next);
          LOG.atInfo().addKeyValue("seq", seq).addKeyValue("cursor", own.state().cursor())
              .log("fleet: delta published");
          return compactIfDue(new FleetLog.Read<>(written, next), own, false).map(true);
        });
      });
    });
  }

  /**
   * Writes a base when {@link Compaction} says it is due; {@code periodic} (the 2 s check, not every delta): also
   * for a follower that computes other content hashes (read from the fleet entries, and only when it may matter).
   */
  private Future<Void> compactIfDue(FleetLog.Read<FleetHead> read, SyncVerticle.Served own, boolean periodic) {
    FleetHead h = read.value();
    long now = System.currentTimeMillis();
    if (baseSuspect || logSuspect || Compaction.due(h, now) || unreadableBase()) {
      return writeBase(read, own, h.seq(), h.publishedAtMs());
    }
    if (!periodic || !Compaction.mayBeDueForOtherHashes(h, now)
        || now - entriesReadAtMs < Compaction.OTHER_HASHES_READ_EVERY_MS) {
      return Future.succeededFuture();
    }
    entriesReadAtMs = now;
    return log.fleetEntries().compose(entries -> Compaction.dueForOtherHashes(h, entries, nodeId, now)
        ? writeBase(read, own, h.seq(), h.publishedAtMs()) : Future.succeededFuture());
  }

  /** A member reads only plain bases, and the base may be in another form: it could not catch up from it. */
  private boolean unreadableBase() {
    return baseForm != FleetSnapshot.Form.PLAIN && fleetReads.get() == FleetSnapshot.Form.PLAIN;
  }

  /** The base, its form remembered. */
  private Future<FleetLog.Read<FleetSnapshot>> base() {
    return log.base().onSuccess(b -> {
      if (b.value() != null) {
        baseForm = b.value().form();
      }
    });
  }

  /**
   * Writes {@code own} as the base at {@code seq} and points the head at it, each by compare-and-set; unless the
   * base holds a newer cursor (this leader was paused or cut off): then it adopts that. Removes the deltas older
   * than the previous base.
   */
  private Future<Void> writeBase(FleetLog.Read<FleetHead> read, SyncVerticle.Served own, long seq, long at) {
    FleetHead h = read.value();
    return base().compose(base -> {
      FleetSnapshot there = base.value();
      if (there != null && there.cursor() > own.state().cursor()) {
        LOG.atWarn().addKeyValue("cursor", own.state().cursor()).addKeyValue("cluster_cursor", there.cursor())
            .addKeyValue("cluster_leader", there.leader())
            .log("fleet: snapshot not published: the cluster holds a newer one; adopting it");
        return adoptBase(there, null);
      }
      FleetSnapshot.Form form = fleetReads.get();
      return log.replaceBase(base.raw(), FleetSnapshot.of(own, nodeId, at), form).compose(baseChars -> {
        if (baseChars < 0) {
          return Future.succeededFuture(); // written meanwhile by another: the next check decides
        }
        baseForm = form;
        long cursor = own.state().cursor();
        long dropTo = h == null ? 0 : h.baseSeq();
        long logStart = h == null ? 1 : h.logStart();
        FleetHead next = new FleetHead(seq, cursor, own.hash(), at, nodeId, seq, cursor, own.hash(),
            System.currentTimeMillis(), Math.max(logStart, dropTo + 1), 0, baseChars);
        return log.replaceHead(read.raw(), next).map(written -> {
          if (written != null) {
            known = new Known(own.state(), own.hash(), seq);
            remember(next);
            baseSuspect = false;
            logSuspect = false;
            // not awaited: the next operation need not wait for the old deltas to go (beyond 100 000 they expire)
            log.drop(Math.max(logStart, dropTo - 100_000), dropTo);
            LOG.atInfo().addKeyValue("seq", seq).addKeyValue("cursor", cursor)
                .addKeyValue("routes", own.state().routes().size()).addKeyValue("chars", baseChars)
                .addKeyValue("form", form.field()).log("fleet: base snapshot written");
          }
          return null;
        });
      });
    });
  }

  // ---- every node

  private void knowServed(SyncVerticle.Served own, FleetHead h) {
    Known k = known;
    if (k == null || k.seq() != h.seq() || !k.is(own.state().cursor(), own.hash())) {
      known = new Known(own.state(), own.hash(), h.seq());
    }
  }

  /** Takes the head's version if it supersedes what is served: by deltas when close, else by the base. */
  private Future<Void> catchUp(FleetHead h) {
    SyncVerticle.Served own = replica.served();
    if (h == null) {
      // no head: an older leader's snapshot (a fleet being upgraded), or nothing yet
      return base().compose(base -> base.value() == null ? Future.succeededFuture()
          : adoptBase(base.value(), null));
    }
    if (h.servedBy(own)) {
      knowServed(own, h);
      return Future.succeededFuture();
    }
    if (!h.supersedes(own)) {
      return Future.succeededFuture();
    }
    Known k = known;
    if (k != null && own.serving() && k.is(own.state().cursor(), own.hash()) && k.seq() < h.seq()
        && k.seq() + 1 >= h.logStart()) {
      return viaDeltas(h, k).compose(taken -> taken ? Future.succeededFuture() : viaBase(h));
    }
    return viaBase(h);
  }

  private Future<Boolean> viaDeltas(FleetHead h, Known k) {
    return foldFrom(new Reached(k.state(), k.state().cursor(), k.hash(), 0), k.seq() + 1, h.seq()).compose(r -> {
      if (r.applied() != h.seq() - k.seq() || r.cursor() != h.cursor() || !r.hash().equals(h.hash())) {
        return Future.succeededFuture(false);
      }
      Predicate<SyncVerticle.Served> fromExactly = s -> s.serving() && k.is(s.state().cursor(), s.hash());
      return adopt(r, h.seq(), fromExactly, "fleet: cluster delta applied");
    });
  }

  /** The base, then as many of the deltas after it as apply; taken if it supersedes what is served. */
  private Future<Void> viaBase(FleetHead h) {
    return base().compose(base -> {
      FleetSnapshot b = base.value();
      if (b == null) {
        return Future.succeededFuture();
      }
      if (b.cursor() != h.baseCursor() || !b.hash().equals(h.baseHash())) {
        return adoptBase(b, null); // not the base the head names (a merge, a forgery): no deltas apply to it
      }
      return vertx.executeBlocking(b::controlPlaneState, false)
          .compose(state -> foldFrom(new Reached(state, b.cursor(), b.hash(), 0), h.baseSeq() + 1, h.seq()))
          .compose(r -> {
            Long seq = h.baseSeq() + r.applied();
            if (!FleetHead.supersedes(r.cursor(), r.hash(), replica.served())) {
              return Future.succeededFuture();
            }
            return adopt(r, seq, s -> FleetHead.supersedes(r.cursor(), r.hash(), s),
                "fleet: cluster snapshot applied").mapEmpty();
          });
    });
  }

  private Future<Void> adoptBase(FleetSnapshot b, Long seq) {
    if (!b.supersedes(replica.served())) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(b::controlPlaneState, false).compose(state -> adopt(
        new Reached(state, b.cursor(), b.hash(), 0), seq, b::supersedes, "fleet: cluster snapshot applied"))
        .mapEmpty();
  }

  private Future<Boolean> adopt(Reached r, Long seq, Predicate<SyncVerticle.Served> accept, String message) {
    return replica.adopt(r.state(), accept).onSuccess(taken -> {
      if (!taken) {
        return;
      }
      known = seq == null ? null : new Known(r.state(), r.hash(), seq);
      LOG.atInfo().addKeyValue("cursor", r.cursor()).addKeyValue("hash", r.hash())
          .addKeyValue("seq", seq == null ? -1 : seq).addKeyValue("deltas", r.applied()).log(message);
    });
  }

  /**
   * {@code from} with the deltas {@code first..last} applied in order while each applies, read
   * {@value FleetLog#DELTA_BATCH} per call and applied on a worker thread batch after batch; stops at the first
   * that does not apply (absent, refused, another from-version) or at a batch whose result's hash is wrong.
   */
  private Future<Reached> foldFrom(Reached from, long first, long last) {
    if (first > last) {
      return Future.succeededFuture(from);
    }
    long end = Math.min(last, first + FleetLog.DELTA_BATCH - 1);
    return log.deltas(first, end).compose(batch -> vertx.executeBlocking(() -> fold(from, batch), false))
        .compose(r -> r.applied() - from.applied() == end - first + 1 ? foldFrom(r, end + 1, last)
            : Future.succeededFuture(r));
  }

  /**
   * Applies the deltas in order to {@code from} while each applies to the version reached; the result's content
   * hash must be the last applied delta's to-hash, else nothing is taken from them ({@code from} is returned).
   * Worker thread: applying grows with the number of deltas.
   */
  private static Reached fold(Reached from, List<FleetDelta> deltas) {
    ControlPlaneState state = from.state();
    long c = from.cursor();
    String h = from.hash();
    int applied = 0;
    for (FleetDelta d : deltas) {
      if (d == null || !d.appliesTo(c, h) || d.change().cursor() != d.cursor()) {
        break;
      }
      try {
        state = d.change().applyTo(state);
      } catch (IllegalArgumentException e) {
        break;
      }
      c = d.cursor();
      h = d.hash();
      applied++;
    }
    if (applied > 0 && !state.contentHash().equals(h)) {
      LOG.atWarn().addKeyValue("cursor", c).log("fleet: deltas do not give their content hash; not applied");
      return from;
    }
    return new Reached(state, c, h, from.applied() + applied);
  }
}
