package dev.ghost.ingress.observe;

import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.BackendState;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;

/**
 * The gauges with a series per route of the table ({@link MetricNames#ROUTE_BACKENDS},
 * {@link MetricNames#ROUTE_BACKENDS_EJECTED}) and per (route, backend) ({@link MetricNames#BACKEND_ELIGIBLE}),
 * made from the table in force and the health state when {@code /metrics} is scraped.
 *
 * <p>Nothing is kept per route between scrapes: a registered meter per series costs about 600 bytes of heap
 * (id, tags, gauge, registry entries), which made these three gauges, at two backends a route, more than half the
 * heap of a node serving 100 000 routes, and registering them on every table swap a large part of its start-up. The
 * series are the same, and they leave with the route or backend as before, since each scrape reads the current table.
 *
 * <p>Above {@value #MAX_ROUTES} routes the per-route series are not exported at all ({@link
 * MetricNames#ROUTE_SERIES_OMITTED} says how many routes that leaves out): at 100 000 routes they were 400 000 series,
 * 40 MB of text and several hundred MB of objects per scrape, whose collections stalled the node's event loops at
 * every scrape, and more series than a Prometheus server takes from one target. All or none, so a dashboard never
 * shows some routes as if they were all. {@link MetricNames#ROUTES_WITHOUT_ELIGIBLE} is exported at any size: the
 * alert those series served. The per-route detail stays on {@code /v1/routes}.
 */
public final class RouteGauges implements MultiCollector {

  /** The most routes whose per-route series are exported (three series a route, one of them per backend). */
  public static final int MAX_ROUTES = 10_000;

  private final RouteTableRef tables;
  private final BackendHealth health;
  private final MetricMetadata backends = metadata(MetricNames.ROUTE_BACKENDS);
  private final MetricMetadata ejected = metadata(MetricNames.ROUTE_BACKENDS_EJECTED);
  private final MetricMetadata eligible = metadata(MetricNames.BACKEND_ELIGIBLE);
  private final MetricMetadata omitted = metadata(MetricNames.ROUTE_SERIES_OMITTED);
  private final MetricMetadata unserved = metadata(MetricNames.ROUTES_WITHOUT_ELIGIBLE);

  RouteGauges(RouteTableRef tables, BackendHealth health) {
    this.tables = tables;
    this.health = health;
  }

  /**
   * Exports the gauges on {@code registry}'s scrape; on a registry that is not Prometheus's (unit tests) there is
   * no scrape, and nothing is registered.
   */
  public static void register(MeterRegistry registry, RouteTableRef tables, BackendHealth health) {
    if (registry instanceof PrometheusMeterRegistry p) {
      p.getPrometheusRegistry().register(new RouteGauges(tables, health));
    }
  }

  private static MetricMetadata metadata(String name) {
    return new MetricMetadata(name.replace('.', '_'), MetricNames.help().get(name));
  }

  @Override
  public MetricSnapshots collect() {
    RouteTable table = tables.current();
    long now = health.now();
    int routes = table.routes().size();
    GaugeSnapshot cap = new GaugeSnapshot(omitted, List.of(point(routes > MAX_ROUTES ? routes : 0, Labels.EMPTY)));
    GaugeSnapshot noEligible = new GaugeSnapshot(unserved, List.of(point(withoutEligible(table, now), Labels.EMPTY)));
    if (routes > MAX_ROUTES) {
      return new MetricSnapshots(cap, noEligible);
    }
    List<GaugeDataPointSnapshot> perRoute = new ArrayList<>(table.routes().size());
    List<GaugeDataPointSnapshot> perRouteEjected = new ArrayList<>(table.routes().size());
    List<GaugeDataPointSnapshot> perBackend = new ArrayList<>(table.routes().size() * 2);
    for (Route r : table.routes()) {
      Labels route = Labels.of("route", r.id());
      int out = 0;
      for (Backend b : r.backends()) {
        if (health.isEjected(b, now)) {
          out++;
        }
        double offered = health.state(b, now) == BackendState.ELIGIBLE ? 1 : 0;
        perBackend.add(point(offered, Labels.of("backend", b.toString(), "route", r.id())));
      }
      perRoute.add(point(r.backends().size(), route));
      perRouteEjected.add(point(out, route));
    }
    return new MetricSnapshots(new GaugeSnapshot(backends, perRoute), new GaugeSnapshot(ejected, perRouteEjected),
        new GaugeSnapshot(eligible, perBackend), cap, noEligible);
  }

  private int withoutEligible(RouteTable table, long now) {
    int count = 0;
    for (Route r : table.routes()) {
      if (!anyEligible(r, now)) {
        count++;
      }
    }
    return count;
  }

  private boolean anyEligible(Route r, long now) {
    for (Backend b : r.backends()) {
      if (health.state(b, now) == BackendState.ELIGIBLE) {
        return true;
      }
    }
    return false;
  }

  private static GaugeDataPointSnapshot point(double value, Labels labels) {
    return new GaugeDataPointSnapshot(value, labels, null);
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of(backends.getPrometheusName(), ejected.getPrometheusName(), eligible.getPrometheusName(),
        omitted.getPrometheusName(), unserved.getPrometheusName());
  }
}
