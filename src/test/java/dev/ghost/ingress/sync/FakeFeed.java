package dev.ghost.ingress.sync;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A crafted control plane for what the dev control plane cannot do on purpose: serves exactly the event envelopes
 * it is given (in id order, whatever order they were added in), one ready instance on {@code ::1} for every env,
 * and a stream that sends what exists when it opens (then stays open and quiet) unless told to hang.
 */
final class FakeFeed implements AutoCloseable {

  private final Vertx vertx;
  private final HttpServer server;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  final AtomicInteger feedReads = new AtomicInteger();
  /** Reads of the feed from event 0 (a full rebuild once the cursor is past the trailing window). */
  final AtomicInteger readsFromZero = new AtomicInteger();
  /** Stream requests left unanswered (no status line, connection open) while positive; each one counts down. */
  final AtomicInteger hangStreams = new AtomicInteger();
  /** Stream requests answered with 200. */
  final AtomicInteger streamsServed = new AtomicInteger();
  /** When set, the instances list answers 503 (retryable problem+json). */
  volatile boolean failInstances;
  /**
   * When set, a stream sends {@code instance.status_changed} lines of 1 KiB without end, as fast as the node reads
   * them (the server respects its own write queue).
   */
  volatile boolean floodStreams;
  /** Bytes of flood lines written so far. */
  final java.util.concurrent.atomic.AtomicLong floodBytes = new java.util.concurrent.atomic.AtomicLong();
  /** Instances requests answered. */
  final AtomicInteger instanceReads = new AtomicInteger();
  /** Delay of every instances answer, to make applying slower than streaming. */
  volatile long instancesDelayMs;
  /** How the event feed misbehaves; {@link Oversize#NONE} serves it as the contract says. */
  volatile Oversize oversize = Oversize.NONE;

  /** Pages no contract-abiding control plane serves. */
  enum Oversize {
    NONE,
    /** Five times the {@code limit} asked for, valid route.created events after the cursor. */
    MORE_ITEMS_THAN_LIMIT,
    /** One valid route.created event padded to 6 MiB, sent chunked (no Content-Length to refuse it by). */
    HUGE_BODY,
    /** Always a full page of {@code limit} events of an unknown type, 1 KiB each, after any cursor: it never ends. */
    ENDLESS,
    /**
     * The page: far more items than the limit, about 100 MiB, chunked and written as fast as the client
     * reads (never held whole here); the client may hang up at any point.
     */
    HUGE_PAGE
  }

  private FakeFeed(Vertx vertx) {
    this.vertx = vertx;
    server = vertx.createHttpServer().requestHandler(req -> {
      String path = req.path();
      if (!("Bearer " + SyncFixture.TOKEN).equals(req.getHeader("Authorization"))) {
        req.response().setStatusCode(401).putHeader("content-type", "application/problem+json")
            .end(new JsonObject().put("status", 401).put("retryable", false).put("code", "unauthorized").encode());
      } else if (path.endsWith("/events/stream")) {
        if (hangStreams.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          return; // a black hole: accepted, never answered
        }
        streamsServed.incrementAndGet();
        long after = Long.parseLong(req.getParam("after_event_id", "0"));
        req.response().setChunked(true).putHeader("content-type", "application/x-ndjson");
        for (JsonObject e : events.stream().sorted((a, b) -> Long.compare(a.getLong("event_id"),
            b.getLong("event_id"))).toList()) {
          if (e.getLong("event_id") > after) {
            req.response().write(new JsonObject().put("seq", e.getLong("event_id")).put("type", e.getString("event_type"))
                .put("payload", e.getValue("payload")).encode() + "\n");
          }
        }
        if (!req.response().headWritten()) {
          req.response().writeHead(); // the status line at once, even with no event to send
        }
        if (floodStreams) {
          flood(req.response(), after + 1_000_000);
        }
      } else if (path.endsWith("/events") && oversize != Oversize.NONE) {
        feedReads.incrementAndGet();
        serveOversized(req.response(), Long.parseLong(req.getParam("after_event_id", "0")),
            Integer.parseInt(req.getParam("limit", "50")));
      } else if (path.endsWith("/events")) {
        feedReads.incrementAndGet();
        long after = Long.parseLong(req.getParam("after_event_id", "0"));
        if (after == 0) {
          readsFromZero.incrementAndGet();
        }
        int limit = Integer.parseInt(req.getParam("limit", "50"));
        JsonArray items = new JsonArray();
        long next = after;
        for (JsonObject e : events.stream().sorted((a, b) -> Long.compare(a.getLong("event_id"),
            b.getLong("event_id"))).toList()) {
          if (e.getLong("event_id") > after && items.size() < limit) {
            items.add(e);
            next = e.getLong("event_id");
          }
        }
        req.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("items", items).put("next_after_event_id", next).encode());
      } else if (path.endsWith("/instances") && failInstances) {
        req.response().setStatusCode(503).putHeader("content-type", "application/problem+json")
            .end(new JsonObject().put("status", 503).put("retryable", true).put("code", "unavailable").encode());
      } else if (path.endsWith("/instances") && instanceReads.incrementAndGet() > 0 && instancesDelayMs > 0) {
        vertx.setTimer(instancesDelayMs, t -> req.response().putHeader("content-type", "application/json")
            .end(instancesPage()));
      } else if (path.endsWith("/instances")) {
        req.response().putHeader("content-type", "application/json").end(new JsonObject()
            .put("items", new JsonArray().add(new JsonObject().put("id", "inst_1").put("env_id", SyncFixture.ENV)
                .put("process_type", "web").put("status", "ready").put("overlay_ipv6", "::1/128")))
            .putNull("next_cursor").encode());
      } else {
        req.response().setStatusCode(404).putHeader("content-type", "application/problem+json")
            .end(new JsonObject().put("status", 404).put("retryable", false).encode());
      }
    });
  }

  private static String instancesPage() {
    return new JsonObject().put("items", new JsonArray().add(new JsonObject().put("id", "inst_1")
        .put("env_id", SyncFixture.ENV).put("process_type", "web").put("status", "ready")
        .put("overlay_ipv6", "::1/128"))).putNull("next_cursor").encode();
  }

  /**
   * Writes flood lines from id {@code next} on, 64 at a time; the next round starts once the last one reached the
   * socket, so when the node stops reading, the flood stops too.
   */
  private void flood(io.vertx.core.http.HttpServerResponse resp, long next) {
    if (!floodStreams) {
      return;
    }
    String pad = "x".repeat(1024);
    StringBuilder round = new StringBuilder();
    long id = next;
    for (int i = 0; i < 64; i++) {
      round.append(new JsonObject().put("seq", id++).put("type", "instance.status_changed")
          .put("env_id", SyncFixture.ENV).put("payload", new JsonObject().put("envId", SyncFixture.ENV)
              .put("pad", pad)).encode()).append('\n');
    }
    floodBytes.addAndGet(round.length());
    long from = id;
    resp.write(round.toString()).onSuccess(v -> vertx.runOnContext(x -> flood(resp, from)));
  }

  /** Writes junk route.created items {@code next..last} 64 at a time, each round once the last reached the socket. */
  private void hugeItems(io.vertx.core.http.HttpServerResponse resp, long next, long last) {
    StringBuilder round = new StringBuilder();
    long id = next;
    String pad = "x".repeat(768);
    for (int i = 0; i < 64 && id <= last; i++, id++) {
      round.append(envelope(id, "route.created", routeCreated("rt_junk" + id, "junk" + id + ".example.com", 9))
              .put("pad", pad).encode())
          .append(id < last ? "," : "");
    }
    long from = id;
    if (from > last) {
      resp.end(round + "],\"next_after_event_id\":" + last + "}");
      return;
    }
    resp.write(round.toString()).onSuccess(v -> vertx.runOnContext(x -> hugeItems(resp, from, last)));
  }

  private void serveOversized(io.vertx.core.http.HttpServerResponse resp, long after, int limit) {
    resp.putHeader("content-type", "application/json");
    if (oversize == Oversize.MORE_ITEMS_THAN_LIMIT) {
      JsonArray items = new JsonArray();
      for (int i = 1; i <= limit * 5; i++) {
        items.add(envelope(after + i, "route.created", routeCreated("rt_junk" + i, "junk" + i + ".example.com", 9)));
      }
      resp.end(new JsonObject().put("items", items).put("next_after_event_id", after + limit * 5L).encode());
      return;
    }
    if (oversize == Oversize.HUGE_PAGE) {
      resp.setChunked(true).write("{\"items\":[");
      hugeItems(resp, after + 1, after + 100_000);
      return;
    }
    if (oversize == Oversize.ENDLESS) {
      JsonArray items = new JsonArray();
      String pad = "x".repeat(1024);
      for (int i = 1; i <= limit; i++) {
        items.add(envelope(after + i, "widget.spun", new JsonObject().put("pad", pad)));
      }
      resp.end(new JsonObject().put("items", items).put("next_after_event_id", after + limit).encode());
      return;
    }
    JsonObject item = envelope(after + 1, "route.created", routeCreated("rt_junk", "junk.example.com", 9));
    String pad = "x".repeat(64 * 1024);
    String whole = new JsonObject().put("items", new JsonArray().add(item.put("pad", "PAD")))
        .put("next_after_event_id", after + 1).encode();
    int at = whole.indexOf("PAD");
    resp.setChunked(true).write(whole.substring(0, at));
    for (int i = 0; i < 96; i++) {
      resp.write(pad);
    }
    resp.end(whole.substring(at + 3));
  }

  static FakeFeed start(Vertx vertx) {
    FakeFeed f = new FakeFeed(vertx);
    f.server.listen(0, "127.0.0.1").await();
    return f;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Makes an event visible. */
  FakeFeed add(long id, String type, JsonObject payload) {
    events.add(envelope(id, type, payload));
    return this;
  }

  private static JsonObject envelope(long id, String type, JsonObject payload) {
    JsonObject e = new JsonObject().put("event_id", id).put("occurred_at", "2026-01-01T00:00:00Z")
        .put("event_type", type).put("event_version", 1).put("aggregate_type", type.split("\\.")[0])
        .put("aggregate_id", payload == null ? "x" : payload.getString("routeId", "x")).put("aggregate_seq", 1);
    if (payload != null) {
      e.put("payload", payload);
    }
    return e;
  }

  /** A camelCase route.created payload for a tls_passthrough route on 443 of {@link SyncFixture#ENV}. */
  static JsonObject routeCreated(String id, String hostname, int backendPort) {
    return new JsonObject().put("routeId", id).put("orgId", SyncFixture.ORG).put("appId", SyncFixture.APP)
        .put("envId", SyncFixture.ENV).put("hostname", hostname).put("listenPort", 443)
        .put("protocolHint", "ROUTE_PROTOCOL_HINT_TLS_PASSTHROUGH").put("backendProcessType", "web")
        .put("backendPort", backendPort);
  }

  @Override
  public void close() {
    server.close().await();
  }
}
