package dev.ghost.ingress.observe;

import java.util.Locale;

/**
 * Why an event loop stalled: the {@code cause} label of {@link MetricNames#EVENT_LOOP_STALLS}. Over the window from
 * one sampling task to the next, the loop's thread either ran, waited on a run queue for a core, or did neither
 * ({@link ThreadSchedule}); the stall is put down to whichever of the three took most of its lag. The first and last
 * are this process's to fix, the second the host's: an alert on work that belongs off the loops should not fire
 * because a neighbour took the cores, and an operator told the cores were taken knows to give the node one.
 */
public enum StallCause {
  /** The loop ran for most of it: work on the loop that belongs on a worker or in slices (or loading classes). */
  WORK,
  /** The loop was runnable but had no core for most of it: other threads or processes held the cores, or the
   * container's CPU quota was used up. */
  CPU_WAIT,
  /** The loop neither ran nor waited for a core for most of it: a collection or another JVM pause stopped it, or
   * it sat in a blocking call. */
  PAUSED,
  /** This system has no per-thread scheduler statistics ({@link ThreadSchedule}): the stall is counted, not
   * explained. */
  UNKNOWN;

  /** The label value: {@code work}, {@code cpu_wait}, {@code paused}, {@code unknown}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The cause of a lag of {@code lagNanos}, given how long the loop ran ({@code ranNanos}) and waited for a core
   * ({@code queuedNanos}) over the window it ended; the rest of the lag it was paused. Ties go to {@link #WORK},
   * then {@link #PAUSED}: when in doubt the process is blamed, not the host.
   */
  static StallCause of(long lagNanos, long ranNanos, long queuedNanos) {
    long paused = lagNanos - ranNanos - queuedNanos;
    if (ranNanos >= queuedNanos && ranNanos >= paused) {
      return WORK;
    }
    return paused >= queuedNanos ? PAUSED : CPU_WAIT;
  }
}
