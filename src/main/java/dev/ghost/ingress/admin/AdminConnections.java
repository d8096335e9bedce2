package dev.ghost.ingress.admin;

import dev.ghost.ingress.observe.AddressText;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the admin HTTP server to {@link AdminLimits}: at most {@code maxConnections} open (one more is closed as
 * soon as it is accepted, so the admin port can never hold the descriptors the data path needs), and one deadline
 * per connection: the request head within {@code headDeadline} of the connection's start or the previous answer,
 * then the whole request within {@code requestDeadline}; a connection past its deadline is closed. A connection that
 * never sent a head in time, or a request that was not complete in time, is an {@link AdminRefusal}; a keep-alive
 * connection left idle after an answer is closed quietly, as any HTTP server ends a keep-alive: a scraper polling
 * {@code /metrics} less often than {@code headDeadline} is no attack, and a warning per scrape would bury the real
 * ones. All handlers run on the admin verticle's event loop, so the map needs no locking.
 */
final class AdminConnections {

  private final Vertx vertx;
  private final AdminLimits limits;
  private final AdminRefusals refusals;
  /** The deadline timer of every open, admitted connection. */
  private final Map<HttpConnection, Long> deadlines = new HashMap<>();

  AdminConnections(Vertx vertx, AdminLimits limits, AdminRefusals refusals) {
    this.vertx = vertx;
    this.limits = limits;
    this.refusals = refusals;
  }

  /** Installs the connection and request handlers on {@code server}; requests that pass go to {@code requests}. */
  void attach(HttpServer server, Handler<HttpServerRequest> requests) {
    server.connectionHandler(this::opened);
    server.requestHandler(req -> {
      if (admitted(req)) {
        requests.handle(req);
      }
    });
  }

  /** Connections open and admitted now. */
  int open() {
    return deadlines.size();
  }

  private void opened(HttpConnection conn) {
    if (deadlines.size() >= limits.maxConnections()) {
      refusals.refused(AdminRefusal.CONNECTION_LIMIT, AddressText.of(conn.remoteAddress()), null, null, null);
      conn.close();
      return;
    }
    deadlines.put(conn, arm(conn, limits.headDeadline(), Phase.HEAD));
    conn.closeHandler(v -> {
      Long timer = deadlines.remove(conn);
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
    });
  }

  /** Moves the connection to the request deadline; false (and closed) when it was never admitted. */
  private boolean admitted(HttpServerRequest req) {
    HttpConnection conn = req.connection();
    Long timer = deadlines.get(conn);
    if (timer == null) {
      conn.close(); // a request that raced its connection's refusal
      return false;
    }
    vertx.cancelTimer(timer);
    deadlines.put(conn, arm(conn, limits.requestDeadline(), Phase.REQUEST));
    req.response().endHandler(v -> {
      Long running = deadlines.get(conn);
      if (running != null) {
        vertx.cancelTimer(running);
        deadlines.put(conn, arm(conn, limits.headDeadline(), Phase.IDLE));
      }
    });
    return true;
  }

  /** What a connection's deadline waits for; the refusal's {@code phase} label, null when its expiry is no refusal. */
  private enum Phase {
    /** The first request's head, from the connection's start. */
    HEAD("head"),
    /** The rest of a request whose head arrived. */
    REQUEST("request"),
    /** The next request on a keep-alive connection: its expiry just ends the connection. */
    IDLE(null);

    final String label;

    Phase(String label) {
      this.label = label;
    }
  }

  private long arm(HttpConnection conn, Duration deadline, Phase phase) {
    long[] self = new long[1];
    self[0] = vertx.setTimer(deadline.toMillis(), t -> {
      Long current = deadlines.get(conn);
      if (current != null && current == self[0]) {
        deadlines.remove(conn);
        if (phase.label != null) {
          refusals.refused(AdminRefusal.REQUEST_TIMEOUT, AddressText.of(conn.remoteAddress()), null, "phase",
              phase.label);
        }
        conn.close();
      }
    });
    return self[0];
  }
}
