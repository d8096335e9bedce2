package dev.ghost.ingress.admin;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.BackendSelector;
import dev.ghost.ingress.eligibility.Plan;
import dev.ghost.ingress.route.PortRoutes;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.Scope;
import dev.ghost.ingress.sni.SniHostName;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * The admin "explain" command: for a client that sends SNI {@code sni} (or none) to {@code address:port}, which route
 * this node would pick, the route's backends with their state, and the backend order the next connection would try.
 * The same rules as the data path (docs/behaviour.md "SNI sniffing": a tcp_raw route owns its port; otherwise the
 * SNI's route, and without SNI the only TLS route there), computed without touching the round-robin counters. Pure
 * apart from reading the health state.
 */
final class Explain {

  private Explain() {}

  /**
   * @param address an IP literal (the address the client reached, unbracketed)
   * @param port    the route port the client reached
   * @param sni     the host name the client sends, or null for none
   */
  static JsonObject explain(RouteTable table, BackendSelector selector, BackendHealth health, int attempts,
      InetAddress address, int port, String sni) {
    JsonObject out = new JsonObject()
        .put("address", io.netty.util.NetUtil.toAddressString(address))
        .put("port", port)
        .put("sni", sni)
        .put("table_version", table.version());
    Optional<Scope> scope = table.scopeFor(address);
    if (scope.isEmpty()) {
      return out.put("route", null).put("close", "unowned_address");
    }
    out.put("scope", scope.get().isShared() ? "shared" : scope.get().envId());
    PortRoutes routes = table.routesAt(scope.get(), port);
    Route route;
    String close = null;
    if (routes.raw() != null) {
      route = routes.raw();
    } else if (routes.isEmpty()) {
      route = null;
      close = "no_route";
    } else if (sni != null) {
      String name = SniHostName.normalize(sni);
      route = name == null ? null : routes.byHost(name);
      if (name == null) {
        close = "malformed_hello";
      } else if (route == null) {
        boolean otherTenant = !scope.get().isShared() && table.routesAt(Scope.SHARED, port).byHost(name) != null;
        close = otherTenant ? "tenant_mismatch" : "no_route";
      }
    } else {
      Route sole = routes.sole();
      route = sole != null && sole.protocol() == Protocol.TLS_PASSTHROUGH ? sole : null;
      close = route == null ? "no_sni" : null;
    }
    if (route == null) {
      return out.put("route", null).put("close", close);
    }
    long now = health.now();
    JsonArray backends = new JsonArray();
    for (Backend b : route.backends()) {
      backends.add(new JsonObject().put("address", b.toString()).put("state", health.state(b, now).label()));
    }
    Plan plan = selector.peek(route, health, attempts);
    JsonArray order = new JsonArray();
    plan.order().forEach(b -> order.add(b.toString()));
    return out
        .put("route", new JsonObject()
            .put("id", route.id())
            .put("protocol", route.protocol().name().toLowerCase(Locale.ROOT))
            .put("hostname", route.hostname())
            .put("port", route.port())
            .put("env", route.envId()))
        .put("backends", backends)
        .put("next_backend", plan.isEmpty() ? null : plan.order().get(0).toString())
        .put("plan", order)
        .put("panic", plan.panic())
        .put("close", plan.isEmpty() ? "no_eligible_backend" : null);
  }
}
