package dev.ghost.ingress.sync;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.time.Duration;

/**
 * An open NDJSON event stream, read line by line as bytes arrive (a buffering client would deliver nothing until
 * the stream ends). A line is capped at 1 MiB; silence past a timeout ends the stream, so the caller falls back to
 * polling and reconnects from its cursor.
 *
 * <p>Backpressure: every event is handed over with a {@code settle} callback the consumer runs once it has applied
 * it. While more than {@link #MAX_BACKLOG} bytes of lines are unsettled the response is paused, so a control plane
 * that streams faster than the node applies fills TCP windows, not the heap.
 */
public final class EventStream {

  /** The contract's cap on one NDJSON line. */
  static final int MAX_LINE = 1 << 20;
  /** Bytes of delivered lines not yet settled by the consumer above which reading pauses. */
  static final long MAX_BACKLOG = 16L << 20;

  /** Receives each event with the callback that settles its line's bytes (run it on this stream's context). */
  @FunctionalInterface
  public interface Sink {
    void accept(CpEvent event, Runnable settle);
  }

  private final Vertx vertx;
  private final HttpClientResponse response;
  private final Promise<Void> ended = Promise.promise();
  private final long silenceMs;
  private long lastLine = System.nanoTime();
  private long silenceTimer;
  private int lines;
  /** Bytes of lines handed to the sink and not yet settled. */
  private long unsettled;
  private boolean paused;

  EventStream(Vertx vertx, HttpClientResponse response, Sink sink, Duration silence) {
    this.vertx = vertx;
    this.response = response;
    this.silenceMs = silence.toMillis();
    RecordParser parser = RecordParser.newDelimited("\n", line -> onLine(line, sink)).maxRecordSize(MAX_LINE);
    parser.exceptionHandler(err -> end(new SyncException(SyncFailure.LINE_TOO_LONG,
        "stream line over " + MAX_LINE + " bytes", true, null)));
    response.handler(parser);
    response.exceptionHandler(err -> end(new SyncException(SyncFailure.STREAM_DROPPED,
        String.valueOf(err.getMessage()), true, null)));
    response.endHandler(v -> end(new SyncException(SyncFailure.STREAM_DROPPED, "stream ended", true, null)));
    armSilenceTimer();
  }

  private void onLine(Buffer line, Sink sink) {
    lastLine = System.nanoTime();
    if (line.length() == 0 || (line.length() == 1 && line.getByte(0) == '\r')) {
      return;
    }
    lines++;
    int size = line.length();
    unsettled += size;
    if (unsettled > MAX_BACKLOG && !paused) {
      paused = true;
      response.pause();
    }
    Runnable settle = () -> settle(size);
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (RuntimeException e) {
      sink.accept(new CpEvent.Rejected(-1, "stream-line", "not a JSON object"), settle);
      return;
    }
    sink.accept(EventDecoder.fromStreamLine(json), settle);
  }

  private void settle(int size) {
    unsettled -= size;
    if (paused && unsettled <= MAX_BACKLOG / 2) {
      paused = false;
      lastLine = System.nanoTime(); // a pause is the node's doing, not the control plane's silence
      response.resume();
    }
  }

  private void armSilenceTimer() {
    long waitMs = Math.max(1, silenceMs - (System.nanoTime() - lastLine) / 1_000_000);
    silenceTimer = vertx.setTimer(waitMs, t -> {
      if (!paused && (System.nanoTime() - lastLine) / 1_000_000 >= silenceMs) {
        end(new SyncException(SyncFailure.STREAM_SILENT, "no line for " + silenceMs + " ms", true, null));
      } else if (!ended.future().isComplete()) {
        armSilenceTimer();
      }
    });
  }

  private void end(SyncException why) {
    if (ended.tryFail(why)) {
      vertx.cancelTimer(silenceTimer);
      response.request().connection().close();
    }
  }

  /** Fails when the stream stops, with the {@link SyncException} that says why; it never succeeds. */
  public Future<Void> ended() {
    return ended.future();
  }

  /** Lines received so far. */
  public int lines() {
    return lines;
  }

  /** Closes the stream (its {@link #ended()} then fails as dropped). */
  public void close() {
    end(new SyncException(SyncFailure.STREAM_DROPPED, "closed by the node", true, null));
  }
}
