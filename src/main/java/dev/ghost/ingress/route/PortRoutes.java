package dev.ghost.ingress.route;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes reachable at one (scope, port): either a single tcp_raw route, or tls_passthrough routes keyed by
 * normalised host name. Immutable (final fields, safe to share across event loops); lookups are single hash
 * probes.
 */
public final class PortRoutes {

  /** Nothing is routed here. */
  public static final PortRoutes EMPTY = new PortRoutes(List.of());

  private final Route raw;
  private final Route sole;
  private final Map<String, Route> byHost;
  private final List<Route> all;

  /** @param routes conflict-free routes of one (scope, port), oldest first */
  PortRoutes(List<Route> routes) {
    this.all = List.copyOf(routes);
    Map<String, Route> hosts = new HashMap<>();
    Route rawRoute = null;
    for (Route r : all) {
      if (r.isRaw()) {
        rawRoute = r;
      } else {
        hosts.put(r.hostname(), r);
      }
    }
    this.raw = rawRoute;
    this.byHost = hosts;
    this.sole = all.size() == 1 ? all.get(0) : null;
  }

  /** The tcp_raw route that owns this port, or null. */
  public Route raw() {
    return raw;
  }

  /** The tls_passthrough route for an already normalised SNI, or null. */
  public Route byHost(String normalisedSni) {
    return normalisedSni == null ? null : byHost.get(normalisedSni);
  }

  /**
   * The only route here when there is exactly one (tcp_raw or tls_passthrough), else null. This is the fallback
   * for no SNI, SNI unavailable and non-TLS clients: never guess between two routes.
   */
  public Route sole() {
    return sole;
  }

  /** True when no route is reachable here. */
  public boolean isEmpty() {
    return all.isEmpty();
  }

  /** Every reachable route here, oldest first. */
  public List<Route> all() {
    return all;
  }
}
