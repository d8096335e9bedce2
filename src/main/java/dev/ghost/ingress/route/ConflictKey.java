package dev.ghost.ingress.route;

import java.util.Comparator;

/**
 * Where a conflict sorts in {@link RouteTable#conflicts()}: by the loser's seniority, the shared scope first (a
 * route loses at most once per scope, and its only other scope is its environment's).
 *
 * @param loser the route kept out
 * @param env   true for the loser's environment scope, false for the shared one
 */
record ConflictKey(Route loser, boolean env) {

  static final Comparator<ConflictKey> ORDER = Comparator.comparing(ConflictKey::loser, Route.SENIORITY)
      .thenComparing(ConflictKey::env);

  static ConflictKey of(Route loser, Scope scope) {
    return new ConflictKey(loser, !scope.isShared());
  }
}
