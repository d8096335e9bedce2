package dev.ghost.ingress.sync;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The stream's lines gathered into batches: lines that arrive together (before the event loop's next turn) are
 * applied together, one apply per burst instead of one per line. Each line comes with its settle callback, which
 * the batch's consumer runs once the batch is applied: until then the lines count against the stream's backlog.
 * Confined to the sync verticle's event loop.
 */
final class StreamedLines {

  private final Vertx vertx;
  private final BiConsumer<List<CpEvent>, List<Runnable>> onBatch;
  private final List<CpEvent> lines = new ArrayList<>();
  /** The settle callbacks of {@link #lines}, in the same order. */
  private final List<Runnable> settles = new ArrayList<>();
  private boolean flushScheduled;

  /**
   * @param vertx   schedules the flush on the current context
   * @param onBatch takes each batch of lines and their settle callbacks (both lists its own)
   */
  StreamedLines(Vertx vertx, BiConsumer<List<CpEvent>, List<Runnable>> onBatch) {
    this.vertx = vertx;
    this.onBatch = onBatch;
  }

  /** Adds a line to the batch of this turn of the event loop. */
  void add(CpEvent event, Runnable settle) {
    lines.add(event);
    settles.add(settle);
    if (!flushScheduled) {
      flushScheduled = true;
      vertx.runOnContext(v -> flush());
    }
  }

  /** Forgets the lines not handed on yet (their stream is closed). */
  void clear() {
    lines.clear();
    settles.clear();
  }

  private void flush() {
    flushScheduled = false;
    List<CpEvent> batch = new ArrayList<>(lines);
    List<Runnable> settled = new ArrayList<>(settles);
    lines.clear();
    settles.clear();
    onBatch.accept(batch, settled);
  }
}
