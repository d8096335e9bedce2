package dev.ghost.ingress.observe;

import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.route.RouteTableRef;

/**
 * Gauges read from the current route table at scrape time, so they can never disagree with it: the node-wide ones
 * here, the per-route ones in {@link RouteGauges}.
 */
public final class RouteTableMetrics {

  private RouteTableMetrics() {}

  public static void register(IngressMetrics metrics, RouteTableRef tables, BackendHealth health,
      java.util.function.Supplier<java.util.Set<String>> failedBindHosts) {
    metrics.gaugeOf(MetricNames.ROUTES_LOADED, tables, t -> t.current().routes().size());
    metrics.gaugeOf(MetricNames.ROUTE_TABLE_VERSION, tables, t -> t.current().version());
    metrics.gaugeOf(MetricNames.ROUTE_CONFLICTS, tables, t -> t.current().conflicts().size());
    metrics.gaugeOf(MetricNames.ROUTE_REJECTIONS, tables, t -> t.current().rejections().size());
    metrics.gaugeOf(MetricNames.ENVS_DEGRADED, tables, t -> degraded(t, failedBindHosts.get()));
    metrics.gaugeOf(MetricNames.ROUTES_PROXY_PROTOCOL, tables,
        t -> t.current().routes().stream().filter(r -> r.proxyProtocol().v2()).count());
    RouteGauges.register(metrics.registry(), tables, health);
  }

  /** Envs that lost an IPv4 claim, plus envs whose dedicated IPv4 cannot be bound. */
  private static double degraded(RouteTableRef tables, java.util.Set<String> failedHosts) {
    var table = tables.current();
    long unbound = table.envIpv4().values().stream().filter(failedHosts::contains).count();
    return table.degradedEnvs().size() + unbound;
  }
}
