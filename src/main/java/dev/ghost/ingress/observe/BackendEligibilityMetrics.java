package dev.ghost.ingress.observe;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.BackendState;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The {@link MetricNames#BACKEND_ELIGIBLE} gauge of every (route, backend) pair of the current table, read from the
 * health state at scrape time. Pairs that leave the table lose their gauge, so labels stay bounded by the table.
 */
public final class BackendEligibilityMetrics {

  private final MeterRegistry registry;
  private final BackendHealth health;
  private final Map<Pair, Gauge> gauges = new HashMap<>();

  private record Pair(String route, Backend backend) {}

  private BackendEligibilityMetrics(MeterRegistry registry, BackendHealth health) {
    this.registry = registry;
    this.health = health;
  }

  /** Registers the gauges of the current table and keeps them in step with every swap. */
  public static void register(MeterRegistry registry, RouteTableRef tables, BackendHealth health) {
    BackendEligibilityMetrics m = new BackendEligibilityMetrics(registry, health);
    m.sync(tables.current());
    tables.onSwap(m::sync);
  }

  private synchronized void sync(RouteTable table) {
    Set<Pair> live = new HashSet<>();
    table.routes().forEach(r -> r.backends().forEach(b -> live.add(new Pair(r.id(), b))));
    var it = gauges.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (!live.contains(e.getKey())) {
        registry.remove(e.getValue());
        it.remove();
      }
    }
    for (Pair p : live) {
      gauges.computeIfAbsent(p, k -> Gauge.builder(MetricNames.BACKEND_ELIGIBLE, health,
              h -> h.state(k.backend(), h.now()) == BackendState.ELIGIBLE ? 1 : 0)
          .tags("route", k.route(), "backend", k.backend().toString()).strongReference(true).register(registry));
    }
  }
}
