package dev.ghost.ingress.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition to a deadline; tests never sleep for a fixed time. */
public final class Await {

  /** Generous: a loaded 2-core CI machine must not fail a correct test. */
  public static final Duration DEFAULT = Duration.ofSeconds(10);

  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private Await() {}

  /** A condition that may throw; a throw counts as "not yet" and is reported if the deadline passes. */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  public static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT, condition, () -> "");
  }

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    until(what, timeout, condition, () -> "");
  }

  public static void until(String what, BooleanSupplier condition, Supplier<String> state) {
    until(what, DEFAULT, condition, state);
  }

  /** Returns as soon as {@code condition} holds; fails with {@code what} and {@code state} at the deadline. */
  public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + " " + state.get());
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /**
   * Like {@link #until(String, BooleanSupplier)} for conditions that throw (HTTP calls, socket probes): an exception
   * or a failed assertion inside the condition means "not yet"; the last one is reported at the deadline.
   */
  public static void until(Condition condition) {
    Throwable[] last = new Throwable[1];
    until("condition", DEFAULT, () -> {
      try {
        return condition.holds();
      } catch (Exception | AssertionError e) {
        last[0] = e;
        return false;
      }
    }, () -> last[0] == null ? "" : "(last error: " + last[0] + ")");
  }
}
