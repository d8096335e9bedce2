package dev.ghost.ingress.admin;

import dev.ghost.ingress.observe.AddressText;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.cluster.ClusterTrust;
import dev.ghost.ingress.observe.BusAddresses;
import dev.ghost.ingress.proxy.BoundSockets;
import dev.ghost.ingress.proxy.ProxyServices;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.sync.SyncStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.BindException;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's admin HTTP API: health, readiness, Prometheus metrics, routes and status, and the mutating
 * calls (authorised by bearer token, or from loopback only when no token is set). Errors are JSON
 * {@code {"error", "detail"}}, never a stack trace.
 *
 * <p>Hardened against browsers and floods (docs/admin-api.md): every request must name this address in {@code Host} and
 * must not be cross-site ({@link AdminRequestRules}); a mutating call's body must be {@code application/json};
 * connections, request heads, bodies and deadlines are bounded ({@link AdminLimits}, {@link AdminConnections}).
 * Every refusal is one {@link AdminRefusal}: one metric label and one log message.
 *
 * <p>{@code GET /} is a status page for people ({@link StatusPage}) that reads the {@code /v1} views.
 */
public final class AdminVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);

  private final IngressConfig.Admin settings;
  private final NodeState state;
  private final RouteTableRef tables;
  private final BoundSockets bound;
  private final ProxyServices services;
  private final PrometheusMeterRegistry registry;
  private final AdminViews views;
  private final AdminRequestRules rules;
  private final AdminRefusals refusals;
  private final ClusterTrust trust;
  private HttpServer server;

  public AdminVerticle(IngressConfig.Admin settings, NodeState state, RouteTableRef tables, BoundSockets bound,
      ProxyServices services, PrometheusMeterRegistry registry, SyncStatus sync) {
    this(settings, state, tables, bound, services, registry, sync, ClusterTrust.standalone());
  }

  /** @param trust signs the commands this API sends its node over the event bus (a clustered node checks them) */
  public AdminVerticle(IngressConfig.Admin settings, NodeState state, RouteTableRef tables, BoundSockets bound,
      ProxyServices services, PrometheusMeterRegistry registry, SyncStatus sync, ClusterTrust trust) {
    this.trust = trust;
    this.settings = settings;
    this.state = state;
    this.tables = tables;
    this.bound = bound;
    this.services = services;
    this.registry = registry;
    this.views = new AdminViews(state, bound, services, sync);
    this.rules = new AdminRequestRules(settings.listen(), settings.allowedHosts());
    this.refusals = new AdminRefusals(services.metrics());
  }

  /**
   * Reads the status page off the event loop, then routes and listens, then answers one request of its own
   * ({@link AdminWarmUp}) so the first one from outside finds the server warm.
   */
  @Override
  public Future<?> start() {
    return vertx.executeBlocking(StatusPage::load).compose(this::serve)
        .compose(s -> AdminWarmUp.warm(vertx, settings.listen().host(), s.actualPort()));
  }

  private Future<HttpServer> serve(StatusPage page) {
    Router router = Router.router(vertx);
    router.route().handler(this::sameSiteOnly);
    page.mount(router);
    router.get("/healthz").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")));
    router.get("/readyz").handler(this::ready);
    // Both grow with the route count (per-route meters, every route): built off the event loop
    router.get("/metrics").handler(ctx -> offLoop(ctx, "text/plain; version=0.0.4; charset=utf-8",
        () -> services.metrics().scrape(registry::scrape)));
    router.get("/v1/routes").handler(ctx -> offLoop(ctx, "application/json",
        () -> views.routes(tables.current()).encode()));
    router.get("/v1/status").handler(ctx -> json(ctx, 200, views.status(tables.current())));
    router.get("/v1/fleet").handler(this::fleet);
    router.get("/v1/fleet/health").handler(this::fleetHealth);
    // Three routes, in this order: the type is checked before any byte of the body is read, and Vert.x Web wants
    // a body handler first on its route
    router.post("/v1/*").handler(this::jsonBodyOnly);
    router.post("/v1/*").handler(BodyHandler.create().setBodyLimit(AdminLimits.MAX_BODY_BYTES));
    router.post("/v1/*").handler(this::authorise);
    router.post("/v1/log-level").handler(ctx -> command(ctx, "log-level", body(ctx)));
    router.post("/v1/config/reload").handler(ctx -> command(ctx, "reload-config", optionalBody(ctx)));
    router.post("/v1/backends/drain").handler(ctx -> command(ctx, "drain-backend", body(ctx)));
    router.post("/v1/backends/undrain").handler(ctx -> command(ctx, "undrain-backend", body(ctx)));
    router.post("/v1/node/drain").handler(ctx -> command(ctx, "drain-node", optionalBody(ctx), 202));
    router.get("/v1/explain").handler(ctx -> command(ctx, "explain", new JsonObject()
        .put("sni", ctx.queryParams().get("sni"))
        .put("address", ctx.queryParams().get("address"))
        .put("port", ctx.queryParams().get("port"))));
    // No catch-all route: the router itself answers 404 (no such path) or 405 (path known, method not), and
    // every status it or a handler fails with is rendered as a JSON error here
    router.errorHandler(404, ctx -> error(ctx, 404, "not_found", "no such endpoint: " + ctx.request().path()));
    // The POST /v1/* authorisation route makes the router answer 405 for every unknown /v1 path: only an
    // endpoint's own path is a 405
    router.errorHandler(405, ctx -> {
      String path = ctx.request().path();
      if (router.getRoutes().stream().anyMatch(r -> path.equals(r.getPath()))) {
        error(ctx, 405, "method_not_allowed", ctx.request().method() + " not allowed on " + path);
      } else {
        error(ctx, 404, "not_found", "no such endpoint: " + path);
      }
    });
    router.errorHandler(400, ctx -> error(ctx, 400, "bad_request", "malformed request"));
    router.errorHandler(413, ctx -> refuse(ctx, AdminRefusal.BODY_TOO_LARGE, null, null));
    router.errorHandler(415, ctx -> refuse(ctx, AdminRefusal.UNSUPPORTED_MEDIA_TYPE, "content_type",
        ctx.request().getHeader("Content-Type")));
    router.errorHandler(500, ctx -> {
      LOG.atError().setCause(ctx.failure()).addKeyValue("path", ctx.request().path()).log("admin request failed");
      error(ctx, 500, "internal", "the request failed; see the node log");
    });
    HostPort listen = settings.listen();
    HttpServer http = vertx.createHttpServer(AdminLimits.DEFAULTS.serverOptions());
    new AdminConnections(vertx, AdminLimits.DEFAULTS, refusals).attach(http, router);
    http.invalidRequestHandler(this::invalid);
    return http.listen(listen.port(), listen.host())
        .onSuccess(s -> {
          server = s;
          LOG.atInfo().addKeyValue("listener", "admin").addKeyValue("host", listen.host())
              .addKeyValue("port", s.actualPort()).log("listening");
        })
        .recover(err -> Future.failedFuture(new BindException("cannot bind admin address " + listen + ": "
            + err.getMessage())));
  }

  /** The bound port, once started. */
  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  private void ready(RoutingContext ctx) {
    NodeState.Phase phase = state.phase();
    if (phase == NodeState.Phase.SERVING) {
      json(ctx, 200, new JsonObject().put("status", "ready").put("table_version", tables.current().version()));
    } else {
      error(ctx, 503, phase == NodeState.Phase.DRAINING ? "draining" : "starting",
          "node is " + phase.name().toLowerCase(Locale.ROOT));
    }
  }

  /**
   * {@code GET /v1/fleet}: the fleet view of a clustered node with a control plane; 404 {@code not_clustered}
   * on a standalone node (or a clustered one without a control plane, which shares no routing state).
   */
  private void fleet(RoutingContext ctx) {
    answer(ctx, views.fleet());
  }

  /**
   * {@code GET /v1/fleet/health}: the passive-health matrix backend × node from the views on the event bus (a
   * standalone node lists only itself).
   */
  private void fleetHealth(RoutingContext ctx) {
    answer(ctx, views.fleetHealth());
  }

  /** 200 with the view, or the refusal's status and {@code {"error","detail"}}. */
  private static void answer(RoutingContext ctx, Future<JsonObject> view) {
    view.onSuccess(body -> json(ctx, 200, body)).onFailure(err -> {
      if (err instanceof AdminCommands.CommandException refused) {
        json(ctx, refused.status, refused.body());
      } else {
        error(ctx, 500, "internal", "the view failed; see the node log");
      }
    });
  }

  /** Every request: a name of this address in {@code Host}, and not cross-site (see {@link AdminRequestRules}). */
  private void sameSiteOnly(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String host = req.getHeader("Host");
    String origin = req.getHeader("Origin");
    String site = req.getHeader("Sec-Fetch-Site");
    AdminRefusal refusal = rules.checkRequest(host, origin, site);
    if (refusal == AdminRefusal.FOREIGN_HOST) {
      refuse(ctx, refusal, "host", host);
    } else if (refusal != null) {
      refuse(ctx, refusal, origin != null ? "origin" : "sec_fetch_site", origin != null ? origin : site);
    } else {
      ctx.next();
    }
  }

  /** Mutating calls: the body is JSON or absent, checked before a byte of it is read. */
  private void jsonBodyOnly(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String type = req.getHeader("Content-Type");
    AdminRefusal refusal = AdminRequestRules.checkBody(type, req.getHeader("Content-Length"),
        req.getHeader("Transfer-Encoding"));
    if (refusal != null) {
      refuse(ctx, refusal, "content_type", type);
    } else {
      ctx.next();
    }
  }

  private void authorise(RoutingContext ctx) {
    String token = settings.token();
    if (token != null) {
      String header = ctx.request().getHeader("Authorization");
      if (header == null || !constantTimeEquals(header, "Bearer " + token)) {
        refuse(ctx, AdminRefusal.UNAUTHORIZED, null, null);
        return;
      }
    } else if (!isLoopback(ctx)) {
      refuse(ctx, AdminRefusal.NOT_LOOPBACK, null, null);
      return;
    }
    ctx.next();
  }

  /** Counts, logs and answers a refusal with its status and JSON error. */
  private void refuse(RoutingContext ctx, AdminRefusal refusal, String field, String value) {
    HttpServerRequest req = ctx.request();
    refusals.refused(refusal, AddressText.of(req.remoteAddress()), req.method() + " " + req.path(), field, value);
    error(ctx, refusal.status(), refusal.code(), refusal.detail());
  }

  /**
   * A request the HTTP codec refused (line or headers over the limits, garbage): counted and answered with the
   * codec's status (414, 431 or 400) and a JSON error, then the connection closes.
   */
  private void invalid(HttpServerRequest req) {
    Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
    int status = cause instanceof TooLongHttpHeaderException ? 431 : cause instanceof TooLongHttpLineException ? 414
        : 400;
    refusals.refused(AdminRefusal.MALFORMED_REQUEST, AddressText.of(req.remoteAddress()), null, null, null);
    req.response().setStatusCode(status).putHeader("content-type", "application/json").putHeader("connection", "close")
        .end(new JsonObject().put("error", AdminRefusal.MALFORMED_REQUEST.code())
            .put("detail", AdminRefusal.MALFORMED_REQUEST.detail()).encode())
        .onComplete(v -> req.connection().close());
  }

  private static boolean isLoopback(RoutingContext ctx) {
    try {
      return java.net.InetAddress.getByName(ctx.request().remoteAddress().host()).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static boolean constantTimeEquals(String a, String b) {
    return java.security.MessageDigest.isEqual(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The POST body as a JSON object; null (and a 400 answered) when it is not one. */
  private static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body != null) {
        return body;
      }
    } catch (RuntimeException e) {
      // answered below
    }
    error(ctx, 400, "bad_request", "body must be a JSON object");
    return null;
  }

  /** The POST body as a JSON object, {@code {}} when empty; null (and a 400 answered) when it is not one. */
  private static JsonObject optionalBody(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().length() <= 0) {
      return new JsonObject();
    }
    return body(ctx);
  }

  /** Runs an admin command of this node through the event bus and answers with its JSON or its error. */
  private void command(RoutingContext ctx, String command, JsonObject body) {
    command(ctx, command, body, 200);
  }

  /** {@link #command(RoutingContext, String, JsonObject)} answering {@code ok} on success. */
  private void command(RoutingContext ctx, String command, JsonObject body, int ok) {
    if (body == null) {
      return;
    }
    String address = BusAddresses.adminNode(state.nodeId(), command);
    // local only: another member registered under this node id (a stranger) must never answer this node's API
    vertx.eventBus().<JsonObject>request(address, body, trust.sign(
            new DeliveryOptions().setSendTimeout(10_000).setLocalOnly(true), address, state.nodeId(), body))
        .onSuccess(reply -> json(ctx, ok, reply.body()))
        .onFailure(err -> {
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
            JsonObject e;
            try {
              e = new JsonObject(re.getMessage());
            } catch (RuntimeException notJson) {
              e = new JsonObject().put("error", "internal").put("detail", String.valueOf(re.getMessage()));
            }
            int status = re.failureCode() >= 400 && re.failureCode() < 600 ? re.failureCode() : 500;
            json(ctx, status, e);
          } else {
            LOG.atWarn().addKeyValue("command", command).addKeyValue("cause", String.valueOf(err))
                .log("admin command unanswered");
            error(ctx, 503, "admin_unavailable", "the admin command did not answer: " + err.getMessage());
          }
        });
  }

  /** Renders a body whose size grows with the table on a worker thread, then answers 200 from the event loop. */
  private void offLoop(RoutingContext ctx, String contentType, Callable<String> body) {
    vertx.executeBlocking(body, false).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("content-type", contentType).end(ar.result());
      } else {
        ctx.fail(500, ar.cause());
      }
    });
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  static void error(RoutingContext ctx, int status, String code, String detail) {
    json(ctx, status, new JsonObject().put("error", code).put("detail", detail));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
