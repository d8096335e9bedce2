package dev.ghost.ingress.observe;

import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.RoundRobinSelector;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Forgets the per-route and per-backend state of what a new table no longer has (round-robin counters, passive
 * health and probe verdicts, per-route meters), so it cannot grow without bound. A table derived from the one it
 * replaces says which routes changed ({@link RouteTable#changeFrom}): only those routes are looked at, so a swap
 * costs the change. Otherwise (a table built from scratch), and every {@value #SWEEP_EVERY}th swap, every entry is
 * tested against the table: a counter or meter a connection still on the replaced table created for a route just
 * removed is then dropped too. Backend state is tested entry by entry against the table's backend set either way:
 * it holds the backends with a failure or a probe verdict, not one entry per route.
 */
public final class RouteStateRetention {

  /** Every this many swaps, a whole sweep (amortised: a sweep costs one test per route that had a connection). */
  static final int SWEEP_EVERY = 256;

  private final RoundRobinSelector selector;
  private final BackendHealth health;
  private final IngressMetrics metrics;
  private int swaps;

  private RouteStateRetention(RoundRobinSelector selector, BackendHealth health, IngressMetrics metrics) {
    this.selector = selector;
    this.health = health;
    this.metrics = metrics;
  }

  /** Runs {@link #retain} on every swap of {@code tables} (swaps are serialised, so is this). */
  public static RouteStateRetention attach(RouteTableRef tables, RoundRobinSelector selector, BackendHealth health,
      IngressMetrics metrics) {
    RouteStateRetention retention = new RouteStateRetention(selector, health, metrics);
    tables.onSwapFrom(retention::retain);
    return retention;
  }

  /** Drops what {@code next} no longer has, looking only at what changed when it was derived from previous. */
  void retain(RouteTable previous, RouteTable next) {
    health.retainOnly(next.backends());
    Predicate<String> inTable = id -> next.route(id) != null;
    Optional<RouteTable.Change> change = next.changeFrom(previous);
    if (change.isEmpty() || ++swaps % SWEEP_EVERY == 0) {
      selector.retainRoutes(next.routeIds());
      metrics.retainRoutes(inTable);
      return;
    }
    Set<String> changed = new LinkedHashSet<>();
    change.get().removed().forEach(r -> changed.add(r.id()));
    change.get().added().forEach(r -> changed.add(r.id()));
    List<String> gone = new ArrayList<>();
    for (String id : changed) {
      if (!inTable.test(id)) {
        gone.add(id);
      }
    }
    selector.forgetRoutes(gone);
    metrics.retainRoutes(inTable, changed);
  }
}
