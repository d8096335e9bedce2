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
 * <p>Silence is the control plane's only while this node was running: a silence timer that fires late (by more than
 * a short grace) means the node itself stalled (a freeze, a long GC pause, an overloaded machine), and lines the
 * control plane sent meanwhile may still be unread in the socket. It then listens for one more grace before
 * judging, so those lines are read and count as liveness instead of being dropped with the connection and polled
 * again (see docs/clustering.md, "Pauses and partitions").
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
  /** The longest grace after a stall of this node (a quarter of the silence limit when that is shorter). */
  static final long MAX_GRACE_MS = 1_000;

  /** Receives each event with the callback that settles its line's bytes (run it on this stream's context). */
  @FunctionalInterface
  public interface Sink {
    void accept(CpEvent event, Runnable settle);
  }

  private final Vertx vertx;
  private final HttpClientResponse response;
  private final Promise<Void> ended = Promise.promise();
  private final long silenceMs;
  /** How late the silence timer may fire before it is this node's stall, and how long it then listens again. */
  private final long graceMs;
  private long lastLine = System.nanoTime();
  private long silenceTimer;
  /** When the armed silence timer should fire (monotonic ns). */
  private long timerDue;
  private int lines;
  /** Bytes of lines handed to the sink and not yet settled. */
  private long unsettled;
  private boolean paused;

  EventStream(Vertx vertx, HttpClientResponse response, Sink sink, Duration silence) {
    this.vertx = vertx;
    this.response = response;
    this.silenceMs = silence.toMillis();
    this.graceMs = Math.max(1, Math.min(MAX_GRACE_MS, silenceMs / 4));
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
    timerDue = System.nanoTime() + waitMs * 1_000_000;
    silenceTimer = vertx.setTimer(waitMs, t -> onSilenceTimer());
  }

  private void onSilenceTimer() {
    if (ended.future().isComplete()) {
      return;
    }
    long now = System.nanoTime();
    if ((now - timerDue) / 1_000_000 > graceMs) {
      // this node did not run (frozen, stalled): not the control plane's silence; what it sent meanwhile is read
      // before the next look, one grace from now
      lastLine = Math.max(lastLine, now - (silenceMs - graceMs) * 1_000_000);
    } else if (!paused && (now - lastLine) / 1_000_000 >= silenceMs) {
      end(new SyncException(SyncFailure.STREAM_SILENT, "no line for " + silenceMs + " ms", true, null));
      return;
    }
    armSilenceTimer();
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
