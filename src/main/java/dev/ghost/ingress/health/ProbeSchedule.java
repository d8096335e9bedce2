package dev.ghost.ingress.health;

import dev.ghost.ingress.route.Backend;

/**
 * When probes run, so that many backends never probe in one burst. Pure: the first probe of a backend waits an offset
 * within one interval derived from a hash of (seed, backend), which spreads backends evenly and is stable for a given
 * node; every later probe waits the interval ±{@value #JITTER_PERCENT}%, so backends that happened to line up drift
 * apart instead of staying in step.
 */
final class ProbeSchedule {

  /** Spread of the interval between two probes of one backend, in percent either side. */
  static final int JITTER_PERCENT = 10;

  private ProbeSchedule() {}

  /** Delay of the first probe: in {@code [1, intervalMs]}, uniform over backends. */
  static long firstDelayMs(String seed, Backend backend, long intervalMs) {
    long h = mix(((long) seed.hashCode() << 32) ^ (backend.toString().hashCode() & 0xffffffffL));
    return 1 + Math.floorMod(h, Math.max(1, intervalMs));
  }

  /**
   * Delay until the next probe: {@code intervalMs} scaled by a factor in {@code [0.9, 1.1)}.
   *
   * @param unit a uniform random number in {@code [0, 1)}
   */
  static long nextDelayMs(long intervalMs, double unit) {
    double factor = 1 + (2 * unit - 1) * JITTER_PERCENT / 100.0;
    return Math.max(1, Math.round(intervalMs * factor));
  }

  /** SplitMix64's finaliser: consecutive inputs map to well-spread outputs. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
