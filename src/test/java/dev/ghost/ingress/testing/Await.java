package dev.ghost.ingress.testing;

import java.time.Duration;

/** Polls a condition until it holds or a deadline passes; tests never sleep for a fixed time. */
public final class Await {

  /** Generous: a loaded 2-core CI machine must not fail a correct test. */
  public static final Duration DEFAULT = Duration.ofSeconds(10);

  private static final long POLL_MILLIS = 10;

  private Await() {}

  /** A condition that may throw; a throw counts as "not yet". */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  public static void until(Condition condition) {
    until(condition, DEFAULT, "condition");
  }

  public static void until(Condition condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError error = new AssertionError(what + " not met within " + timeout.toMillis() + " ms");
        if (last != null) {
          error.initCause(last);
        }
        throw error;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }
}
