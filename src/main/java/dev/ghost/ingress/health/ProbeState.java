package dev.ghost.ingress.health;

import dev.ghost.ingress.eligibility.ProbeStatus;

/**
 * One backend's rise/fall counter. Pure and immutable: {@link #next} returns the state after one probe result.
 *
 * <p>A new backend starts {@link ProbeStatus#UNKNOWN}, which is eligible (optimistic start): a backend the control
 * plane just declared ready is used at once instead of waiting {@code rise} intervals, and a dead one goes down after
 * {@code fall} failed probes, like any other. One success makes an unknown backend {@link ProbeStatus#UP}; a success
 * resets the failure count and a failure the success count, so only consecutive results count.
 *
 * @param status     the verdict
 * @param successes  consecutive successful probes (0 after a failure)
 * @param failures   consecutive failed probes (0 after a success)
 */
public record ProbeState(ProbeStatus status, int successes, int failures) {

  /** Counters stop here so a backend probed for years cannot overflow them. */
  static final int CAP = 1_000_000;

  /** The state of a backend not probed yet. */
  public static ProbeState initial() {
    return new ProbeState(ProbeStatus.UNKNOWN, 0, 0);
  }

  /**
   * @param success whether the probe connected
   * @param rise    consecutive successes that bring a down backend back (at least 1)
   * @param fall    consecutive failures that take a backend down (at least 1)
   */
  public ProbeState next(boolean success, int rise, int fall) {
    if (success) {
      int s = Math.min(CAP, successes + 1);
      boolean stillDown = status == ProbeStatus.DOWN && s < rise;
      return new ProbeState(stillDown ? ProbeStatus.DOWN : ProbeStatus.UP, s, 0);
    }
    int f = Math.min(CAP, failures + 1);
    return new ProbeState(f >= fall ? ProbeStatus.DOWN : status, 0, f);
  }

  /** True when this state keeps the backend from new connections. */
  public boolean isDown() {
    return status == ProbeStatus.DOWN;
  }
}
