package dev.ghost.ingress.cluster;

import java.util.Collection;

/**
 * When the leader rewrites the base snapshot (compaction), so that the bytes replicated per change stay in
 * proportion to the change, not to the table: a base costs its whole size (read, compare-and-set, backup; at
 * 100 000 routes ≈ 1.8 MB compressed, 55 MB plain: {@link FleetSnapshot.Form}), so it is written only once the
 * deltas since the previous base add up to {@value #BASE_FRACTION_PERCENT} % of its size; amortized over those
 * deltas it costs at most twice their own size. A time bound, well below the deltas' expiry
 * ({@value FleetLog#DELTA_TTL_SECONDS} s), keeps every delta after the base readable; it writes a base at most
 * once per {@link #MAX_BASE_AGE_MS} ms, whatever the change rate.
 */
final class Compaction {

  /** A base is due once the deltas after it add up to this share of its size. */
  static final int BASE_FRACTION_PERCENT = 50;
  /**
   * A base is due this long after the previous one when deltas followed it: a quarter of the deltas' expiry, so a
   * node reading base + deltas always finds them all.
   */
  static final long MAX_BASE_AGE_MS = FleetLog.DELTA_TTL_SECONDS * 1_000 / 4;

  /**
   * A base is due this long after the previous one, when deltas followed it, while a follower computes other
   * content hashes (see {@link #otherHashes}): such a follower cannot apply deltas and takes every change from the
   * base, so this is how late it sees a change (the bound of every follower before size-based compaction).
   */
  static final long OTHER_HASHES_BASE_AFTER_MS = 30_000;
  /**
   * How often the leader reads the fleet entries for {@link #dueForOtherHashes} at most: a query over every
   * partition of the fleet map, so not at every 2 s check of an idle fleet.
   */
  static final long OTHER_HASHES_READ_EVERY_MS = 10_000;

  private Compaction() {}

  /**
   * True when the leader should write a new base under head {@code h} at wall-clock {@code nowMs}: deltas
   * followed the base and either they add up to {@value #BASE_FRACTION_PERCENT} % of its size, or the base's size
   * is unknown (a head of an older version), or the base is {@link #MAX_BASE_AGE_MS} old.
   */
  static boolean due(FleetHead h, long nowMs) {
    if (h.seq() <= h.baseSeq()) {
      return false;
    }
    return h.baseChars() <= 0 || h.logChars() * 100 >= h.baseChars() * BASE_FRACTION_PERCENT
        || nowMs - h.baseAtMs() >= MAX_BASE_AGE_MS;
  }

  /**
   * True when a base is due for a follower that computes other content hashes for the same state (a node of a
   * version on the other side of a change of the hash formula, during a rolling upgrade): deltas followed a base
   * older than {@link #OTHER_HASHES_BASE_AFTER_MS}, and the fleet entry of a node other than {@code self} serves the
   * head's or the base's cursor under another hash. A node following the log always serves a version in it (the
   * same cursor under the same hash), however far behind, so it never asks for this.
   */
  static boolean dueForOtherHashes(FleetHead h, Collection<FleetEntry> entries, String self, long nowMs) {
    if (h.seq() <= h.baseSeq() || nowMs - h.baseAtMs() < OTHER_HASHES_BASE_AFTER_MS) {
      return false;
    }
    return entries.stream().anyMatch(e -> !e.nodeId().equals(self) && otherHashes(e, h));
  }

  /** True when {@code e} serves the head's or the base's cursor with another content hash. */
  static boolean otherHashes(FleetEntry e, FleetHead h) {
    return (e.cursor() == h.cursor() && !e.hash().equals(h.hash()))
        || (e.cursor() == h.baseCursor() && !e.hash().equals(h.baseHash()));
  }

  /** True when the fleet entries may ask for a base ({@link #dueForOtherHashes}): only then are they read. */
  static boolean mayBeDueForOtherHashes(FleetHead h, long nowMs) {
    return h.seq() > h.baseSeq() && nowMs - h.baseAtMs() >= OTHER_HASHES_BASE_AFTER_MS;
  }
}
