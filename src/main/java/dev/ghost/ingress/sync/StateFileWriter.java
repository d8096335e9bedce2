package dev.ghost.ingress.sync;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Writes the state file behind the changes (docs/control-plane-contract.md, "Start, readiness and the state file"):
 * at most one write in flight, and the newest state submitted meanwhile written after it, so a burst of changes
 * costs one or two writes instead of one each. A write is usually one journal record, the change's own bytes
 * ({@link StateJournalWriter}); now and then it is a new base, the whole state (55 MB at 100 000 routes, over a
 * second to encode and write).
 *
 * <p>An idle writer starts at once; after a write the next one waits as long as that write took (at least
 * {@value #MIN_GAP_MS} ms), which keeps the writer's thread busy half the time at most while changes keep coming.
 * A crash therefore loses the changes of the last pause or write at most (the node replays them from the cursor);
 * {@link #flush()} writes what is pending at once and is called when the sync stops.
 *
 * <p>Confined to one context: every method is called on it, and the writes run on worker threads.
 */
final class StateFileWriter {

  /** The shortest pause between two writes, to coalesce the changes that follow a write. */
  static final long MIN_GAP_MS = 200;

  /** The blocking write of one state (worker thread); {@link StateJournalWriter#write} in use. */
  @FunctionalInterface
  interface Write {
    void write(ControlPlaneState state) throws IOException;
  }

  private final Context context;
  private final Write write;
  private final Consumer<Instant> onWritten;
  private final Consumer<Throwable> onFailed;
  /** The newest state not written yet; null when the file is up to date (or being written with it). */
  private ControlPlaneState pending;
  private boolean writing;
  private long timer = -1;
  private Promise<Void> flushed;

  /**
   * @param context   the context every call comes from, and where the callbacks run
   * @param write     the blocking write
   * @param onWritten after each successful write, with the time it finished
   * @param onFailed  after each failed write (the next submitted state is tried again)
   */
  StateFileWriter(Context context, Write write, Consumer<Instant> onWritten,
      Consumer<Throwable> onFailed) {
    this.context = context;
    this.write = write;
    this.onWritten = onWritten;
    this.onFailed = onFailed;
  }

  /** Makes {@code state} the next to write: now when idle, else after the write in flight and a pause. */
  void submit(ControlPlaneState state) {
    pending = state;
    if (!writing && timer < 0) {
      writeNext();
    }
  }

  /** Writes what is pending without the pause; completes once nothing is pending or in flight. */
  Future<Void> flush() {
    if (pending == null && !writing) {
      return Future.succeededFuture();
    }
    if (flushed == null) {
      flushed = Promise.promise();
    }
    Future<Void> done = flushed.future();
    if (timer >= 0) {
      context.owner().cancelTimer(timer);
      timer = -1;
      writeNext();
    }
    return done;
  }

  private void writeNext() {
    ControlPlaneState state = pending;
    pending = null;
    if (state == null) {
      idle();
      return;
    }
    writing = true;
    long started = System.nanoTime();
    context.executeBlocking(() -> {
      write.write(state);
      return Instant.now();
    }, false).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        onWritten.accept(ar.result());
      } else {
        onFailed.accept(ar.cause());
      }
      if (pending == null) {
        idle();
      } else if (flushed != null) {
        writeNext();
      } else {
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        timer = context.owner().setTimer(Math.max(MIN_GAP_MS, tookMs), id -> {
          timer = -1;
          writeNext();
        });
      }
    });
  }

  private void idle() {
    Promise<Void> done = flushed;
    flushed = null;
    if (done != null) {
      done.complete();
    }
  }
}
