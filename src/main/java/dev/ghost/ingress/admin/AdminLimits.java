package dev.ghost.ingress.admin;

import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP server's fixed limits. The admin API is a handful of small calls from operators and scrapers, so
 * these are not settings: they only have to keep a slow, flooding or oversized client from holding more than a few
 * descriptors and a little memory, never the descriptors the data path needs.
 *
 * @param maxConnections  connections open at once; one more is closed as soon as it is accepted
 * @param headDeadline    time for a request's line and headers, from the connection's start or the previous
 *                        response's end (also the keep-alive idle limit)
 * @param requestDeadline time for a whole request once its head arrived: body read and answer written
 */
public record AdminLimits(int maxConnections, Duration headDeadline, Duration requestDeadline) {

  /** Largest request body (the mutating calls take a few bytes of JSON). */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  /** Largest request line. */
  public static final int MAX_INITIAL_LINE = 4096;
  /** Largest header block. */
  public static final int MAX_HEADER_BYTES = 8192;
  /** Connections open at once. */
  public static final int MAX_CONNECTIONS = 64;

  /** What a node runs with. */
  public static final AdminLimits DEFAULTS = new AdminLimits(MAX_CONNECTIONS, Duration.ofSeconds(10),
      Duration.ofSeconds(30));

  /**
   * The server options that go with these limits: line and header caps, an idle timeout as a backstop for a peer
   * that stops reading an answer, and HTTP/1.1 only (no cleartext HTTP/2, whose multiplexed streams would escape
   * the per-connection deadlines). The backstop is twice the request deadline: equal to it, Vert.x's idle close and
   * the deadline's own (which counts the refusal) raced, and an unanswered request went uncounted.
   */
  HttpServerOptions serverOptions() {
    return new HttpServerOptions()
        .setMaxInitialLineLength(MAX_INITIAL_LINE)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setHttp2ClearTextEnabled(false)
        .setIdleTimeout((int) (2 * requestDeadline.toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }
}
