package dev.ghost.ingress.sync;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * An open NDJSON event stream, read line by line as bytes arrive (a buffering client would deliver nothing until
 * the stream ends). A line is capped at 1 MiB; silence past a timeout ends the stream, so the caller falls back to
 * polling and reconnects from its cursor.
 */
public final class EventStream {

  /** The contract's cap on one NDJSON line. */
  static final int MAX_LINE = 1 << 20;

  private final Vertx vertx;
  private final HttpClientResponse response;
  private final Promise<Void> ended = Promise.promise();
  private final long silenceMs;
  private long lastLine = System.nanoTime();
  private long silenceTimer;
  private int lines;

  EventStream(Vertx vertx, HttpClientResponse response, Consumer<CpEvent> sink, Duration silence) {
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

  private void onLine(Buffer line, Consumer<CpEvent> sink) {
    lastLine = System.nanoTime();
    if (line.length() == 0 || (line.length() == 1 && line.getByte(0) == '\r')) {
      return;
    }
    lines++;
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (RuntimeException e) {
      sink.accept(new CpEvent.Rejected(-1, "stream-line", "not a JSON object"));
      return;
    }
    sink.accept(EventDecoder.fromStreamLine(json));
  }

  private void armSilenceTimer() {
    long waitMs = Math.max(1, silenceMs - (System.nanoTime() - lastLine) / 1_000_000);
    silenceTimer = vertx.setTimer(waitMs, t -> {
      if ((System.nanoTime() - lastLine) / 1_000_000 >= silenceMs) {
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
