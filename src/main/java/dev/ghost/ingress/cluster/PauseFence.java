package dev.ghost.ingress.cluster;

import java.util.function.LongSupplier;

/**
 * Notices that this node was frozen (SIGSTOP, a long GC pause, a suspended VM) for longer than the fleet waits for
 * a silent member, and fences the routing log's publishing until the fleet has had its say.
 *
 * <p>Why: a leader frozen that long has most likely been removed by the others, who elected a new leader and
 * published newer tables meanwhile; on waking, its own Hazelcast member still believes in the old membership and
 * then, for a few seconds, leads a cluster of one (its own copy of the routing log) until the sides merge. Whatever
 * it published then would be an old table in the fleet's eyes (see docs/clustering.md, "Pauses and partitions").
 * The frozen time is measured on the monotonic clock between beats that should come every few hundred
 * milliseconds: a gap longer than {@code frozenAfter} is a freeze, whatever the wall clock did.
 *
 * <p>Only a leader is fenced: a follower that froze (or merely stalled that long under load) has published nothing and
 * holds nothing of its own to publish; elected later, it catches up from the log before it syncs, so fencing it would
 * only hold back a new leader. The fence holds from the freeze until the member rejoins under a new identity
 * (Hazelcast resets a merged-in member's UUID: see {@link #lift()}). Without that it ends after {@code keptAfter} if this member's view of the
 * membership never changed (the fleet kept it: a member it removed notices within a few seconds), else after
 * {@code holdFor} (it is alone for good and must go on syncing). Not thread-safe: one verticle's context uses it.
 */
final class PauseFence {

  private final long frozenAfterNanos;
  private final long keptAfterNanos;
  private final long holdForNanos;
  private final LongSupplier nanoClock;
  private long lastBeat;
  private boolean fenced;
  private long fencedSince;
  private boolean membersChanged;

  /**
   * @param frozenAfterMs a gap between beats longer than this is a freeze
   * @param keptAfterMs   how long the fence holds when the membership this member sees does not change
   * @param holdForMs     the longest a fence holds after a freeze
   * @param nanoClock     the monotonic clock ({@code System::nanoTime})
   */
  PauseFence(long frozenAfterMs, long keptAfterMs, long holdForMs, LongSupplier nanoClock) {
    this.frozenAfterNanos = frozenAfterMs * 1_000_000;
    this.keptAfterNanos = keptAfterMs * 1_000_000;
    this.holdForNanos = holdForMs * 1_000_000;
    this.nanoClock = nanoClock;
    this.lastBeat = nanoClock.getAsLong();
  }

  /**
   * Records that this node is running now; returns how long it was frozen before this beat in milliseconds when
   * that gap is a freeze, else -1. A freeze fences publishing from now if {@code leading} (the role this node had
   * when it froze); a follower's freeze is reported but not fenced. Also ends a fence that has held long enough.
   */
  long beat(boolean leading) {
    long now = nanoClock.getAsLong();
    long gap = now - lastBeat;
    lastBeat = now;
    if (gap > frozenAfterNanos) {
      fenced = leading;
      fencedSince = now;
      membersChanged = false;
      return gap / 1_000_000;
    }
    if (fenced && now - fencedSince > (membersChanged ? holdForNanos : keptAfterNanos)) {
      fenced = false;
    }
    return -1;
  }

  /** The membership this member sees changed since the freeze: the fleet removed it; hold until it rejoins. */
  void membersChanged() {
    membersChanged = true;
  }

  /** True while publishing is fenced (call {@link #beat} first, so a freeze not yet seen counts). */
  boolean fenced() {
    return fenced;
  }

  /** The fleet has taken this member back (it rejoined under a new identity): the election decides again. */
  void lift() {
    fenced = false;
  }
}
