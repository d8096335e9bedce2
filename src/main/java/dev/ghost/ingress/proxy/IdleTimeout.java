package dev.ghost.ingress.proxy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A relay's idle timeout: fires once no byte moved either way for the timeout. Activity only records a time stamp;
 * the one pending timer, when it comes due early, re-arms itself for the rest, so a busy connection costs no timer
 * churn. Confined to the relay's event loop.
 */
final class IdleTimeout {

  /** Runs a task after a delay on the relay's event loop; returns what cancels it. */
  interface Scheduler {
    Runnable schedule(long delayNanos, Runnable task);
  }

  private static final long MIN_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final long timeoutNanos;
  private final Scheduler scheduler;
  private final Runnable onIdle;
  private long lastActivity;
  private Runnable cancel;
  private boolean stopped;

  /**
   * @param timeout   {@link Duration#ZERO} for none
   * @param scheduler the relay's timers
   * @param onIdle    run once when the timeout passes
   */
  IdleTimeout(Duration timeout, Scheduler scheduler, Runnable onIdle) {
    this.timeoutNanos = timeout.toNanos();
    this.scheduler = scheduler;
    this.onIdle = onIdle;
  }

  /** Starts the clock now. */
  void start() {
    touch();
    arm();
  }

  /** A byte moved. */
  void touch() {
    lastActivity = System.nanoTime();
  }

  /** The relay is over: the timer is cancelled and never fires. */
  void stop() {
    stopped = true;
    if (cancel != null) {
      cancel.run();
      cancel = null;
    }
  }

  private void arm() {
    if (timeoutNanos > 0 && !stopped) {
      long wait = Math.max(MIN_DELAY_NANOS, timeoutNanos - (System.nanoTime() - lastActivity));
      cancel = scheduler.schedule(wait, this::due);
    }
  }

  private void due() {
    cancel = null;
    if (stopped) {
      return;
    }
    if (System.nanoTime() - lastActivity >= timeoutNanos) {
      onIdle.run();
    } else {
      arm();
    }
  }
}
