package dev.ghost.ingress.devcp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the dev control plane: routes of the contract, bearer-token check, problem+json errors,
 * {@code X-Request-Id} on every response, the chaos layer, and the file scan timer. Everything here runs on the
 * verticle's event loop and reads the event log's immutable snapshots.
 */
final class DevApi extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DevApi.class);
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final String REQUEST_ID = "X-Request-Id";
  private static final int DEFAULT_LIMIT = 50;
  private static final int MAX_LIMIT = 200;
  private static final long MIN_POLL_MS = 50;

  private final DevControlPlane cp;
  private final String host;
  private final Duration scan;

  // Event-loop confined
  private Router router;
  private HttpServer server;
  private volatile int port;
  private boolean hanging;
  private final List<RoutingContext> held = new ArrayList<>();

  /** NDJSON streams open now (tests check that a follower closed its stream). */
  private final AtomicInteger openStreams = new AtomicInteger();

  int openStreams() {
    return openStreams.get();
  }

  DevApi(DevControlPlane cp, String host, int port, Duration scan) {
    this.cp = cp;
    this.host = host;
    this.port = port;
    this.scan = scan;
  }

  int port() {
    return port;
  }

  @Override
  public Future<?> start() {
    router = router();
    vertx.setPeriodic(scan.toMillis(), scan.toMillis(),
        id -> vertx.executeBlocking(() -> {
          cp.scanOnce();
          return null;
        }, false));
    return listen();
  }

  private Future<HttpServer> listen() {
    server = vertx.createHttpServer();
    return server.requestHandler(router).listen(port, host).onSuccess(s -> port = s.actualPort());
  }

  Future<Void> pause(DevControlPlane.PauseMode mode) {
    return onContext(() -> {
      if (mode == DevControlPlane.PauseMode.HANG) {
        hanging = true;
        return Future.succeededFuture();
      }
      HttpServer s = server;
      server = null;
      return s == null ? Future.succeededFuture() : s.close();
    });
  }

  Future<Void> resume() {
    return onContext(() -> {
      hanging = false;
      List<RoutingContext> waiting = new ArrayList<>(held);
      held.clear();
      waiting.forEach(RoutingContext::next);
      return server != null ? Future.succeededFuture() : listen().mapEmpty();
    });
  }

  private Future<Void> onContext(java.util.function.Supplier<Future<Void>> action) {
    Context ctx = context;
    return Future.<Future<Void>>future(p -> ctx.runOnContext(v -> p.complete(action.get())))
        .compose(f -> f);
  }

  // ---- routes

  private Router router() {
    Router r = Router.router(vertx);
    r.route().handler(this::requestId);
    r.route().handler(this::chaos);
    r.get("/healthz").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")));
    r.route("/v1/*").handler(this::authenticate);
    r.route("/v1/orgs/:org/*").handler(this::checkOrg);
    r.get("/v1/orgs/:org/events").handler(this::events);
    r.get("/v1/orgs/:org/events/stream").handler(this::stream);
    r.get("/v1/orgs/:org/apps/:app/envs/:env/instances").handler(this::instances);
    r.get("/v1/orgs/:org/apps/:app/envs/:env/routes").handler(this::routes);
    r.get("/v1/orgs/:org/apps/:app/envs/:env/networking").handler(this::networking);
    r.route().last().handler(ctx -> problem(ctx, 404, "not_found", "Not Found",
        "no such endpoint: " + ctx.request().method() + " " + ctx.request().path(), false));
    r.route().failureHandler(this::failure);
    return r;
  }

  private void requestId(RoutingContext ctx) {
    String rid = ctx.request().getHeader(REQUEST_ID);
    if (rid == null || rid.isBlank() || rid.length() > 200) {
      rid = Ids.random("req", Instant.now());
    }
    ctx.put(REQUEST_ID, rid);
    ctx.response().putHeader(REQUEST_ID, rid);
    ctx.next();
  }

  private void chaos(RoutingContext ctx) {
    if (hanging) {
      held.add(ctx);
      return;
    }
    Chaos chaos = cp.chaos();
    Chaos.Verdict verdict = chaos.judge();
    Runnable go = switch (verdict) {
      case PASS -> ctx::next;
      case FAIL -> () -> injectedFailure(ctx);
      case GARBAGE -> () -> ctx.response().setStatusCode(200)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end("<html><body>502 gateway \u0000 oops {\"items\":[");
    };
    long delay = chaos.latency().toMillis();
    if (delay > 0) {
      vertx.setTimer(delay, t -> go.run());
    } else {
      go.run();
    }
  }

  private void authenticate(RoutingContext ctx) {
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (auth == null || !auth.equals("Bearer " + cp.token())) {
      problem(ctx, 401, "unauthorized", "Unauthorized",
          auth == null ? "missing bearer token" : "invalid bearer token", false);
      return;
    }
    ctx.next();
  }

  private void checkOrg(RoutingContext ctx) {
    if (!cp.org().equals(ctx.pathParam("org"))) {
      problem(ctx, 404, "org_not_found", "Not Found", "organisation not found", false);
      return;
    }
    ctx.next();
  }

  private void events(RoutingContext ctx) {
    if (cp.chaos().feedRequest()) {
      injectedFailure(ctx);
      return;
    }
    Long after = longParam(ctx, "after_event_id", 0, 0, Long.MAX_VALUE);
    Long limit = after == null ? null : longParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    if (limit == null) {
      return;
    }
    Predicate<DevEvent> filter = filter(ctx);
    EventLog.Snapshot snap = cp.log().snapshot();
    JsonArray items = new JsonArray();
    long next = after;
    for (DevEvent e : snap.events()) {
      if (e.eventId() <= after || !cp.chaos().visible(e.eventId())) {
        continue;
      }
      next = e.eventId();
      if (filter.test(e)) {
        items.add(envelope(e));
        if (items.size() == limit) {
          break;
        }
      }
    }
    json(ctx, 200, new JsonObject().put("items", items).put("next_after_event_id", next));
  }

  private static Predicate<DevEvent> filter(RoutingContext ctx) {
    String type = ctx.request().getParam("event_type");
    String app = ctx.request().getParam("app_id");
    String env = ctx.request().getParam("env_id");
    return e -> (type == null || type.equals(e.eventType())) && (app == null || app.equals(e.appId()))
        && (env == null || env.equals(e.envId()));
  }

  private JsonObject envelope(DevEvent e) {
    return new JsonObject()
        .put("event_id", e.eventId())
        .put("occurred_at", e.occurredAt().toString())
        .put("event_type", e.eventType())
        .put("event_version", 1)
        .put("actor_type", e.actorType())
        .put("actor_id", e.actorId())
        .put("aggregate_type", e.aggregateType())
        .put("aggregate_id", e.aggregateId())
        .put("aggregate_seq", e.aggregateSeq())
        .put("request_id", e.requestId())
        .put("payload", PayloadEncoder.encode(e.payload(), cp.encoding()));
  }

  private void stream(RoutingContext ctx) {
    Long after = longParam(ctx, "after_event_id", 0, 0, Long.MAX_VALUE);
    Long pollMs = after == null ? null : longParam(ctx, "poll_ms", 500, 0, 60_000);
    if (pollMs == null) {
      return;
    }
    HttpServerResponse resp = ctx.response().setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/x-ndjson");
    resp.writeHead();
    if (cp.chaos().silentStreams()) {
      return; // headers, then nothing, until the client gives up
    }
    new StreamSession(ctx, after, cp.chaos().dropStreamAfter()).start(Math.max(MIN_POLL_MS, pollMs));
  }

  /** One open NDJSON stream: pushes what is new every poll, from its own cursor. */
  private final class StreamSession {
    private final RoutingContext ctx;
    private final int dropAfter;
    private long cursor;
    private int lines;
    private long timer = -1;
    private boolean dropped;

    StreamSession(RoutingContext ctx, long after, int dropAfter) {
      this.ctx = ctx;
      this.cursor = after;
      this.dropAfter = dropAfter;
    }

    void start(long pollMs) {
      openStreams.incrementAndGet();
      ctx.response().closeHandler(v -> {
        openStreams.decrementAndGet();
        vertx.cancelTimer(timer);
      });
      push();
      if (!ctx.response().closed()) {
        timer = vertx.setPeriodic(pollMs, id -> push());
      }
    }

    private void push() {
      HttpServerResponse resp = ctx.response();
      if (hanging || dropped || resp.closed() || resp.writeQueueFull()) {
        return;
      }
      for (DevEvent e : cp.log().snapshot().events()) {
        if (e.eventId() <= cursor || !cp.chaos().visible(e.eventId())) {
          continue;
        }
        Future<Void> written = resp.write(line(e).encode() + "\n");
        cursor = e.eventId();
        lines++;
        if (dropAfter > 0 && lines >= dropAfter) {
          vertx.cancelTimer(timer);
          // abrupt (no terminating chunk), but only once the lines before it are on the wire
          written.onComplete(ar -> ctx.request().connection().close());
          dropped = true;
          return;
        }
      }
    }
  }

  private JsonObject line(DevEvent e) {
    return new JsonObject()
        .put("ts", e.occurredAt().toString())
        .put("seq", e.eventId())
        .put("type", e.eventType())
        .put("aggregate_type", e.aggregateType())
        .put("aggregate_id", e.aggregateId())
        .put("app_id", e.appId())
        .put("env_id", e.envId())
        .put("payload", PayloadEncoder.encode(e.payload(), cp.encoding()));
  }

  private void instances(RoutingContext ctx) {
    boolean fail = cp.chaos().instancesRequest(ctx.pathParam("env"));
    long delay = cp.chaos().instanceLatency().toMillis();
    Runnable answer = fail ? () -> injectedFailure(ctx) : () -> instancesPage(ctx);
    if (delay > 0) {
      vertx.setTimer(delay, t -> answer.run());
    } else {
      answer.run();
    }
  }

  /** The chaos layer's failure answer: a retryable problem with its status. */
  private void injectedFailure(RoutingContext ctx) {
    int status = cp.chaos().failStatus();
    problem(ctx, status, "unavailable", status == 503 ? "Service Unavailable" : "Internal Server Error",
        "injected failure (dev control plane chaos)", true);
  }

  private void instancesPage(RoutingContext ctx) {
    if (!envExists(ctx)) {
      return;
    }
    Long limit = longParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    if (limit == null) {
      return;
    }
    String app = ctx.pathParam("app");
    String env = ctx.pathParam("env");
    String processType = ctx.request().getParam("process_type");
    String status = ctx.request().getParam("status");
    String cursor = ctx.request().getParam("cursor");
    List<JsonObject> all = new ArrayList<>();
    for (Projection.InstanceView v : cp.log().snapshot().projection().instances().values()) {
      DevState.Instance i = v.instance();
      if (i.app().equals(app) && i.env().equals(env) && (processType == null || processType.equals(i.processType()))
          && (status == null || status.equals(i.status())) && (cursor == null || i.id().compareTo(cursor) > 0)) {
        JsonObject item = new JsonObject()
            .put("id", i.id())
            .put("env_id", i.env())
            .put("process_type", i.processType())
            .put("node_id", i.node())
            .put("generation", v.generation())
            .put("status", i.status())
            .put("last_transition_at", v.lastTransitionAt().toString());
        if (i.overlayIpv6() != null) {
          item.put("overlay_ipv6", i.overlayIpv6() + "/128");
        }
        all.add(item.put("created_at", v.createdAt().toString()));
      }
    }
    page(ctx, all, limit.intValue());
  }

  private void routes(RoutingContext ctx) {
    if (!envExists(ctx)) {
      return;
    }
    Long limit = longParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    if (limit == null) {
      return;
    }
    String cursor = ctx.request().getParam("cursor");
    List<JsonObject> all = new ArrayList<>();
    for (Map.Entry<String, JsonObject> r : cp.log().snapshot().projection().routes().entrySet()) {
      JsonObject p = r.getValue();
      if (ctx.pathParam("app").equals(p.getString("app_id")) && ctx.pathParam("env").equals(p.getString("env_id"))
          && (cursor == null || r.getKey().compareTo(cursor) > 0)) {
        all.add(new JsonObject().put("id", r.getKey()).mergeIn(p));
      }
    }
    page(ctx, all, limit.intValue());
  }

  private void page(RoutingContext ctx, List<JsonObject> all, int limit) {
    List<JsonObject> items = all.subList(0, Math.min(limit, all.size()));
    String next = all.size() > limit ? items.get(items.size() - 1).getString("id") : null;
    json(ctx, 200, new JsonObject().put("items", new JsonArray(new ArrayList<>(items))).put("next_cursor", next));
  }

  private void networking(RoutingContext ctx) {
    if (!envExists(ctx)) {
      return;
    }
    String env = ctx.pathParam("env");
    Projection.EnvNet net = cp.log().snapshot().projection().envs().get(env);
    JsonObject body = new JsonObject()
        .put("env_id", env)
        .put("org_id", cp.org())
        .put("app_id", ctx.pathParam("app"))
        .put("ipv4_enabled", net != null && net.ipv4() != null);
    if (net != null && net.ipv4() != null) {
      body.put("ipv4_address", net.ipv4()).put("ipv4_allocation_id", net.allocationId());
    }
    body.put("resource_version", net == null ? 0 : net.resourceVersion())
        .put("updated_at", net == null ? null : net.updatedAt().toString());
    json(ctx, 200, body);
  }

  /** The env must be in the served state and belong to the app; otherwise 404. */
  private boolean envExists(RoutingContext ctx) {
    DevState.Env env = cp.state().envs().get(ctx.pathParam("env"));
    if (env == null || !env.app().equals(ctx.pathParam("app"))) {
      problem(ctx, 404, "env_not_found", "Not Found", "no env '" + ctx.pathParam("env") + "' in app '"
          + ctx.pathParam("app") + "'", false);
      return false;
    }
    return true;
  }

  // ---- helpers

  /** A query parameter as a number in range, or null after answering 400. */
  private Long longParam(RoutingContext ctx, String name, long dflt, long min, long max) {
    String s = ctx.request().getParam(name);
    if (s == null || s.isEmpty()) {
      return dflt;
    }
    try {
      long v = Long.parseLong(s);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    problem(ctx, 400, "invalid_argument", "Bad Request",
        name + " must be an integer in " + min + ".." + max + ", got '" + s + "'", false);
    return null;
  }

  private void failure(RoutingContext ctx) {
    Throwable t = ctx.failure();
    LOG.atWarn().addKeyValue("path", ctx.request().path())
        .addKeyValue("cause", t == null ? String.valueOf(ctx.statusCode()) : String.valueOf(t.getMessage()))
        .log("request failed");
    if (!ctx.response().headWritten()) {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      problem(ctx, status, status == 500 ? "internal" : "error", "Error", "request failed", status >= 500);
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.encode());
  }

  private static void problem(RoutingContext ctx, int status, String code, String title, String detail,
      boolean retryable) {
    JsonObject body = new JsonObject()
        .put("type", "urn:ghost:problem:" + code)
        .put("title", title)
        .put("status", status)
        .put("detail", detail)
        .put("code", code)
        .put("request_id", ctx.<String>get(REQUEST_ID))
        .put("retryable", retryable);
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, PROBLEM_JSON).end(body.encode());
  }
}
