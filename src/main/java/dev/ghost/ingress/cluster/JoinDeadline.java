package dev.ghost.ingress.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The longest a clustered start may take to join: past it the start fails (the node logs why and exits 1) instead
 * of waiting for good.
 *
 * <p>Why: Hazelcast's TCP join waits on every listed member. One that is down is given up after its connection
 * timeout, but an address that accepts connections and never answers as a member (another service on that port, a
 * half-dead host, a proxy) holds the join, and with it the node's start, for many minutes, with a blocked-thread
 * warning every second and the node neither ready nor gone. A normal join takes seconds (at most about 30 s with
 * Hazelcast's default join waits).
 */
public final class JoinDeadline {

  /** System property: the deadline in seconds ({@value #DEFAULT_SECONDS} when unset), like the Hazelcast knobs. */
  public static final String PROPERTY = "ghost.cluster.join_deadline_seconds";
  /** Under Vert.x's 60 s blocked-worker warning, above Hazelcast's longest regular join. */
  static final long DEFAULT_SECONDS = 45;

  private JoinDeadline() {}

  /** The deadline: {@value #PROPERTY} when it is a positive number of seconds, else the default. */
  public static Duration configured() {
    try {
      long s = Long.parseLong(System.getProperty(PROPERTY, String.valueOf(DEFAULT_SECONDS)).strip());
      return Duration.ofSeconds(s > 0 ? s : DEFAULT_SECONDS);
    } catch (NumberFormatException e) {
      return Duration.ofSeconds(DEFAULT_SECONDS);
    }
  }

  /**
   * {@code join}, or a failure saying {@code what} did not finish within {@code deadline}. A join that succeeds
   * after the deadline is handed to {@code late} (to be closed): nobody waits for it any more.
   */
  public static <T> Future<T> within(Future<T> join, Duration deadline, String what, Consumer<T> late) {
    Promise<T> result = Promise.promise();
    // a JDK timer: the clustered Vert.x whose timers could do this is what is still being built
    CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
        result.tryFail(new IllegalStateException(what + " did not finish within " + deadline.toSeconds() + " s")));
    join.onComplete(ar -> {
      if (ar.succeeded()) {
        if (!result.tryComplete(ar.result())) {
          late.accept(ar.result());
        }
      } else {
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }
}
