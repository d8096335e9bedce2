package dev.ghost.ingress.admin;

import dev.ghost.ingress.proxy.BoundSockets;
import dev.ghost.ingress.proxy.ProxyServices;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.sync.SyncStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON documents of {@code /v1/routes}, {@code /v1/status}, {@code /v1/fleet} and {@code /v1/fleet/health}, the
 * same over HTTP and the event bus.
 */
final class AdminViews {

  private static final Logger LOG = LoggerFactory.getLogger(AdminViews.class);

  private final NodeState state;
  private final BoundSockets bound;
  private final ProxyServices services;
  private final SyncStatus sync;

  AdminViews(NodeState state, BoundSockets bound, ProxyServices services, SyncStatus sync) {
    this.state = state;
    this.bound = bound;
    this.services = services;
    this.sync = sync;
  }

  /**
   * {@code /v1/fleet}; fails with 404 {@code not_clustered} when this node shares no routing state with a fleet, 503
   * {@code fleet_unavailable} when the cluster does not answer.
   */
  Future<JsonObject> fleet() {
    var view = state.fleetView();
    if (view == null) {
      return Future.failedFuture(new AdminCommands.CommandException(404, "not_clustered",
          "this node shares no routing state with a fleet (standalone, or clustered without a control plane)"));
    }
    return view.get().recover(err -> {
      LOG.atWarn().addKeyValue("cause", String.valueOf(err)).log("fleet view failed");
      return Future.failedFuture(new AdminCommands.CommandException(503, "fleet_unavailable",
          "the cluster did not answer"));
    });
  }

  /** {@code /v1/fleet/health}; fails with 503 {@code starting} before the health view runs. */
  Future<JsonObject> fleetHealth() {
    var view = state.healthView();
    if (view == null) {
      return Future.failedFuture(new AdminCommands.CommandException(503, "starting",
          "the health view is not running yet"));
    }
    return view.get().recover(err -> {
      LOG.atWarn().addKeyValue("cause", String.valueOf(err)).log("fleet health view failed");
      return Future.failedFuture(new AdminCommands.CommandException(503, "health_unavailable",
          "the health view did not answer"));
    });
  }

  JsonObject routes(RouteTable table) {
    BackendHealth health = services.health();
    long now = health.now();
    JsonArray routes = new JsonArray();
    for (Route r : table.routes()) {
      routes.add(route(r, health, now));
    }
    JsonArray conflicts = new JsonArray();
    table.conflicts().forEach(c -> conflicts.add(new JsonObject()
        .put("scope", c.scope().toString()).put("port", c.port()).put("host", c.host())
        .put("winner", c.winnerId()).put("loser", c.loserId())));
    JsonArray rejected = new JsonArray();
    table.rejections().forEach(r -> rejected.add(new JsonObject().put("route_id", r.routeId())
        .put("reason", r.reason())));
    JsonObject envs = new JsonObject();
    table.envIpv4().forEach((env, ip) -> {
      String bindError = bound.ipv4BindFailure(ip);
      JsonObject view = new JsonObject().put("ipv4", ip).put("degraded", bindError != null);
      envs.put(env, bindError == null ? view : view.put("reason", "cannot bind " + ip + ": " + bindError));
    });
    table.degradedReasons().forEach((env, why) -> envs.put(env, new JsonObject().put("degraded", true)
        .put("reason", why)));
    return new JsonObject()
        .put("version", table.version())
        .put("routes", routes)
        .put("envs", envs)
        .put("conflicts", conflicts)
        .put("rejected", rejected)
        .put("bind_failures", bindFailures());
  }

  private JsonObject route(Route r, BackendHealth health, long now) {
    JsonArray backends = new JsonArray();
    for (Backend b : r.backends()) {
      backends.add(new JsonObject().put("address", b.toString())
          .put("state", health.state(b, now).label()));
    }
    return new JsonObject()
        .put("id", r.id())
        .put("protocol", r.protocol().name().toLowerCase(java.util.Locale.ROOT))
        .put("hostname", r.hostname())
        .put("port", r.port())
        .put("env", r.envId())
        .put("proxy_protocol", r.proxyProtocol().v2() ? "v2" : "off")
        .put("origin", r.origin().name().toLowerCase(java.util.Locale.ROOT))
        .put("open_connections", services.limits().routeOpen(r.id()))
        .put("backends", backends);
  }

  private JsonArray bindFailures() {
    JsonArray out = new JsonArray();
    bound.snapshot().values().stream().filter(s -> s.error() != null).forEach(s -> out.add(new JsonObject()
        .put("listener", s.binding().label()).put("bind_port", s.binding().bindPort()).put("error", s.error())));
    return out;
  }

  JsonObject status(RouteTable table) {
    JsonArray sockets = new JsonArray();
    bound.snapshot().values().forEach(s -> sockets.add(new JsonObject()
        .put("listener", s.binding().label())
        .put("host", s.binding().host())
        .put("route_port", s.binding().routePort())
        .put("port", s.bound() ? s.boundPort() : null)
        .put("error", s.error())));
    return new JsonObject()
        .put("node_id", state.nodeId())
        .put("version", state.version())
        .put("phase", state.phase().name().toLowerCase(java.util.Locale.ROOT))
        .put("started_at", state.startedAt().toString())
        .put("uptime_s", Duration.between(state.startedAt(), Instant.now()).toSeconds())
        .put("table_version", table.version())
        .put("open_connections", services.limits().open())
        .put("max_connections", services.limits().maxGlobal())
        .put("bound_sockets", sockets)
        .put("state_file", sync.stateFileJson())
        .put("sync", sync.syncJson())
        .put("cluster", state.clusterJson())
        .put("draining", ownDraining());
  }

  /** This node's open connections per draining backend: {@code {"host:port": n}} (admin-drained ones with 0). */
  JsonObject ownDraining() {
    JsonObject out = new JsonObject();
    services.drains().snapshot(services.health().drains().drained()).forEach(out::put);
    return out;
  }

  /**
   * The fleet-wide {@code {"host:port": {"open": total, "nodes": {node_id: n}}}} of the drain view; this node's
   * own counts in that form before the view runs.
   */
  JsonObject draining() {
    var view = state.drainView();
    if (view != null) {
      return view.get();
    }
    JsonObject out = new JsonObject();
    ownDraining().forEach(e -> out.put(e.getKey(), new JsonObject().put("open", e.getValue())
        .put("nodes", new JsonObject().put(state.nodeId(), e.getValue()))));
    return out;
  }

  /** The node's drain starter; null while it starts. */
  NodeDrainer nodeDrainer() {
    return state.nodeDrainer();
  }
}
