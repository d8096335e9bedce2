package dev.ghost.ingress.sync;

import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * The sync's steps run one at a time, in the order queued: every change of what is in force (a poll's batch,
 * streamed lines, a refresh, an adopted snapshot, a reload) reads the state its predecessor left, so none may
 * overlap. A failed step does not stop the next; after {@link #stop()} queued steps do nothing. Confined to the
 * sync verticle's event loop.
 */
final class StepQueue {

  private Future<Void> tail;
  private boolean stopped;

  /** @param first the step already running that every queued step waits for (the state file's load) */
  StepQueue(Future<Void> first) {
    this.tail = first;
  }

  /** Runs {@code step} after every step queued before it. */
  void enqueue(Supplier<Future<Void>> step) {
    tail = tail.transform(ar -> stopped ? Future.succeededFuture() : step.get())
        .recover(err -> Future.succeededFuture());
  }

  /** Steps queued or run from now on do nothing. */
  void stop() {
    stopped = true;
  }

  /** True once {@link #stop()} was called: timers and streams stop rescheduling themselves. */
  boolean stopped() {
    return stopped;
  }
}
