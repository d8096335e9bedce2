package dev.ghost.ingress.sync;

import java.util.function.BiConsumer;

/**
 * {@code control_plane.max_routes}, held against every state this node would serve, whatever it comes from (the
 * feed, a replay, the state file, a cluster snapshot). Why: every route costs memory, a listener port and instance
 * fetches; a control plane gone wrong must not be able to take the node down with it. One place, so the feed and
 * the other sources cannot disagree on the limit or on how a refusal is reported.
 */
final class RouteCap {

  private final int maxRoutes;
  private final BiConsumer<String, Throwable> onFailure;

  /**
   * @param maxRoutes {@code control_plane.max_routes}
   * @param onFailure counts and logs a refusal of a state not read from the feed ({@link #admits})
   */
  RouteCap(int maxRoutes, BiConsumer<String, Throwable> onFailure) {
    this.maxRoutes = maxRoutes;
    this.onFailure = onFailure;
  }

  /**
   * {@code next}, unless it has more routes than the cap: then a {@code too_many_routes} {@link SyncException},
   * and the caller keeps what it has (the table in force stays, the cursor does not move).
   */
  ControlPlaneState check(ControlPlaneState next) {
    if (next.routes().size() > maxRoutes) {
      throw new SyncException(SyncFailure.TOO_MANY_ROUTES, "it has "
          + next.routes().size() + " routes, more than control_plane.max_routes " + maxRoutes, false, null);
    }
    return next;
  }

  /**
   * Whether {@code candidate} (a state not from this node's own control-plane reads: {@code source} says which)
   * stays within the cap; if not, it is counted and logged as a {@code too_many_routes} failure and must not be
   * taken.
   */
  boolean admits(ControlPlaneState candidate, String source) {
    try {
      check(candidate);
      return true;
    } catch (SyncException tooMany) {
      onFailure.accept(source + " refused", tooMany);
      return false;
    }
  }
}
