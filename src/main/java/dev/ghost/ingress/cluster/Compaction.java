package dev.ghost.ingress.cluster;

/**
 * When the leader rewrites the base snapshot (compaction), so that the bytes replicated per change stay in
 * proportion to the change, not to the table: a base costs its whole size (read, compare-and-set, backup; ≈ 55 MB
 * at 100 000 routes), so it is written only once the deltas since the previous base add up to
 * {@value #BASE_FRACTION_PERCENT} % of its size; amortized over those deltas it costs at most twice their own size.
 * A time bound, well below the deltas' expiry ({@value FleetLog#DELTA_TTL_SECONDS} s), keeps every delta after the
 * base readable; it writes a base at most once per {@link #MAX_BASE_AGE_MS} ms, whatever the change rate.
 */
final class Compaction {

  /** A base is due once the deltas after it add up to this share of its size. */
  static final int BASE_FRACTION_PERCENT = 50;
  /**
   * A base is due this long after the previous one when deltas followed it: a quarter of the deltas' expiry, so a
   * node reading base + deltas always finds them all.
   */
  static final long MAX_BASE_AGE_MS = FleetLog.DELTA_TTL_SECONDS * 1_000 / 4;

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
}
