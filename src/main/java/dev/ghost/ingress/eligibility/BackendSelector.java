package dev.ghost.ingress.eligibility;

import dev.ghost.ingress.route.Route;

/**
 * Chooses which backends of a route a new connection tries, and in which order. A policy apart from name matching
 * and relaying, so tests and future policies can plug in. Implementations are called concurrently from every
 * event loop and must not block.
 */
public interface BackendSelector {

  /**
   * @param route    the matched route
   * @param health   passive health, to skip ejected backends
   * @param attempts the most backends to return
   * @return up to {@code attempts} distinct backends to try in order; empty when the route has none
   */
  Plan plan(Route route, BackendHealth health, int attempts);

  /**
   * The plan the next connection would get, without consuming a turn (for the admin "explain" command).
   *
   * @param route    the matched route
   * @param health   passive health and admin drains
   * @param attempts the most backends to return
   * @return what {@link #plan} would return next, all else unchanged
   */
  Plan peek(Route route, BackendHealth health, int attempts);
}
