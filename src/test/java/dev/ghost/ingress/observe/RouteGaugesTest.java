package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.PrometheusText;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The per-route and per-(route, backend) gauges: read from the table in force and the health state at scrape time,
 * gone with their route, and no meter kept per route (a registered meter per series was more than half the heap of
 * a node at 100 000 routes).
 */
class RouteGaugesTest {

  private static final Backend A = new Backend("fd00::1", 8443);
  private static final Backend B = new Backend("fd00::2", 8443);

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final BackendHealth health = new BackendHealth(Duration.ofSeconds(1), Duration.ofSeconds(10), clock::get);
  private final PrometheusMeterRegistry registry = registry();
  private final IngressMetrics metrics = new IngressMetrics(registry);
  private final RouteTableRef tables = new RouteTableRef(table(1, route("shop", A, B), route("blog", B)));

  RouteGaugesTest() {
    RouteTableMetrics.register(metrics, tables, health, Set::of);
  }

  @Test
  void everyRouteAndBackendOfTheTableHasItsSeries() {
    PrometheusText scrape = scrape();
    assertThat(scrape.value("ghost_route_backends", "route", "shop")).isEqualTo(2);
    assertThat(scrape.value("ghost_route_backends", "route", "blog")).isEqualTo(1);
    assertThat(scrape.value("ghost_route_backends_ejected", "route", "shop")).isZero();
    assertThat(scrape.value("ghost_backend_eligible", "route", "shop", "backend", "[fd00::1]:8443")).isEqualTo(1);
    assertThat(scrape.value("ghost_backend_eligible", "route", "blog", "backend", "[fd00::2]:8443")).isEqualTo(1);
    assertThat(scrape.samples("ghost_backend_eligible")).hasSize(3);
    assertThat(scrape.problems()).isEmpty();
  }

  @Test
  void valuesFollowTheHealthStateAtScrapeTime() {
    health.connectFailed(B, clock.get());
    PrometheusText scrape = scrape();
    assertThat(scrape.value("ghost_route_backends_ejected", "route", "shop")).isEqualTo(1);
    assertThat(scrape.value("ghost_route_backends_ejected", "route", "blog")).isEqualTo(1);
    assertThat(scrape.value("ghost_backend_eligible", "route", "shop", "backend", "[fd00::2]:8443")).isZero();
    assertThat(scrape.value("ghost_backend_eligible", "route", "shop", "backend", "[fd00::1]:8443")).isEqualTo(1);

    health.drains().set(A, true, "node");
    assertThat(scrape().value("ghost_backend_eligible", "route", "shop", "backend", "[fd00::1]:8443")).isZero();

    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(scrape().value("ghost_route_backends_ejected", "route", "shop")).as("the ejection ran out").isZero();
  }

  @Test
  void aRouteOrBackendThatLeftTheTableHasNoSeries() {
    tables.swap(table(2, route("shop", A)));
    PrometheusText scrape = scrape();
    assertThat(scrape.samples("ghost_route_backends")).hasSize(1);
    assertThat(scrape.samples("ghost_route_backends_ejected")).hasSize(1);
    assertThat(scrape.samples("ghost_backend_eligible")).singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("backend", "[fd00::1]:8443"));
  }

  @Test
  void theFamiliesCarryTheirDeclaredHelp() {
    PrometheusText scrape = scrape();
    for (String name : List.of(MetricNames.ROUTE_BACKENDS, MetricNames.ROUTE_BACKENDS_EJECTED,
        MetricNames.BACKEND_ELIGIBLE, MetricNames.ROUTE_SERIES_OMITTED, MetricNames.ROUTES_WITHOUT_ELIGIBLE)) {
      assertThat(scrape.families().get(name.replace('.', '_')).help()).isEqualTo(MetricNames.help().get(name));
    }
  }

  @Test
  void aboveTheCapNoPerRouteSeriesIsExportedAndTheOmissionIsCounted() {
    assertThat(scrape().value("ghost_route_series_omitted")).as("within the cap").isZero();
    Route[] many = new Route[RouteGauges.MAX_ROUTES + 1];
    for (int i = 0; i < many.length; i++) {
      many[i] = i == 0 ? route("r0") : route("r" + i, A, B);
    }
    tables.swap(table(4, many));
    PrometheusText scrape = scrape();
    assertThat(scrape.value("ghost_route_series_omitted")).isEqualTo(many.length);
    for (String family : List.of("ghost_route_backends", "ghost_route_backends_ejected", "ghost_backend_eligible")) {
      assertThat(scrape.samples(family)).as(family).isEmpty();
    }
    assertThat(scrape.value("ghost_routes_without_eligible_backend")).as("r0 has no backend").isEqualTo(1);
    health.drains().set(A, true, "node");
    health.drains().set(B, true, "node");
    assertThat(scrape().value("ghost_routes_without_eligible_backend")).isEqualTo(many.length);
  }

  @Test
  void routesWithoutAnEligibleBackendAreCountedWithinTheCapToo() {
    assertThat(scrape().value("ghost_routes_without_eligible_backend")).isZero();
    health.connectFailed(B, clock.get());
    assertThat(scrape().value("ghost_routes_without_eligible_backend")).as("blog's only backend ejected")
        .isEqualTo(1);
  }

  @Test
  void noMeterIsKeptPerRoute() {
    int meters = registry.getMeters().size();
    Route[] many = new Route[10_000];
    for (int i = 0; i < many.length; i++) {
      many[i] = route("r" + i, A, B);
    }
    tables.swap(table(3, many));
    assertThat(registry.getMeters()).as("meters after a 10 000-route table").hasSize(meters);
    assertThat(scrape().samples("ghost_backend_eligible")).hasSize(20_000);
  }

  private static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    r.config().meterFilter(new HelpText());
    return r;
  }

  private PrometheusText scrape() {
    return PrometheusText.parse(registry.scrape());
  }

  private static Route route(String id, Backend... backends) {
    return Route.tls(id, id + ".example.com", 443).withBackends(List.of(backends));
  }

  private static RouteTable table(long version, Route... routes) {
    RouteTableBuilder b = new RouteTableBuilder(version, null);
    for (Route r : routes) {
      b.add(r);
    }
    return b.build();
  }
}
