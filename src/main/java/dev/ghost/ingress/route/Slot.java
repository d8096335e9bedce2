package dev.ghost.ingress.route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The conflict rule of one (scope, port), applied to routes fed oldest first: the first route placed holds the
 * port; a tcp_raw route clashes with anything there and anything clashes with it; two tls_passthrough routes clash
 * on the same host name. Names are hashed, so placing a route is one probe, not a scan of the port's routes. Used
 * by a full build for every port, and by {@link RouteTableEdit} for the few keys a change touches.
 */
final class Slot {

  /** A route kept out, and the older route that keeps it out. */
  record Loss(Route loser, Route winner) {

    /** The contested host name: the loser's, or the winner's when the loser is tcp_raw. */
    String host() {
      return loser.hostname() != null ? loser.hostname() : winner.hostname();
    }
  }

  final List<Route> routes = new ArrayList<>(2);
  final List<Loss> losses = new ArrayList<>(0);
  private final HashMap<String, Route> byHost = new HashMap<>();

  /** Places {@code route} (younger than every route placed so far); returns false when an older one blocks it. */
  boolean place(Route route) {
    Route winner = blocker(route);
    if (winner != null) {
      losses.add(new Loss(route, winner));
      return false;
    }
    routes.add(route);
    if (!route.isRaw()) {
      byHost.put(route.hostname(), route);
    }
    return true;
  }

  /**
   * The placed tls_passthrough routes by host name, handed over: the caller keeps the map as it is (a port's
   * table holds it) and places nothing here again.
   */
  HashMap<String, Route> hostsPlaced() {
    return byHost;
  }

  /** The already placed (hence older) route that keeps {@code route} out, or null. */
  private Route blocker(Route route) {
    if (routes.isEmpty()) {
      return null;
    }
    Route first = routes.get(0);
    if (route.isRaw() || first.isRaw()) {
      return first;
    }
    return byHost.get(route.hostname());
  }
}
