package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class IngressMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final IngressMetrics metrics = new IngressMetrics(registry);

  @Test
  void listenerAndRouteMetersAreBuiltOncePerLabel() {
    assertThat(metrics.listener("[::1]:443")).isSameAs(metrics.listener("[::1]:443"));
    assertThat(metrics.route("app")).isSameAs(metrics.route("app"));
    assertThat(metrics.route("app")).isNotSameAs(metrics.route("other"));
    assertThat(metrics.route(IngressMetrics.UNROUTED)).isSameAs(metrics.unrouted());
  }

  @Test
  void aRouteMeterAppearsOnlyOnceItCounted() {
    metrics.route("app");
    assertThat(routeSeries("app")).isEmpty();

    metrics.route("app").closed("completed");
    assertThat(routeSeries("app")).containsExactly(MetricNames.CONNECTIONS_CLOSED);
  }

  @Test
  void nodeWideSeriesShowAtZeroFromStart() {
    assertThat(metrics.count(MetricNames.SYNC_TABLES)).isZero();
    assertThat(registry.find(MetricNames.SYNC_TABLES).counter()).isNotNull();
    assertThat(registry.find(MetricNames.PROXY_HEADER_WRITE_FAILURES).counter()).isNotNull();

    metrics.listener("l");
    assertThat(registry.find(MetricNames.CONNECTIONS_ACCEPTED).tag("listener", "l").counter()).isNotNull();
    assertThat(registry.find(MetricNames.LISTENER_ACCEPT_FAILURES).tag("listener", "l").counter()).isNotNull();

    metrics.closeReasons(java.util.List.of("completed", "no_route"));
    metrics.zero(MetricNames.HEALTH_TRANSITIONS, "to", java.util.List.of("down", "up"));
    assertThat(registry.find(MetricNames.CONNECTIONS_CLOSED).tags("route", "none").counters()).hasSize(2);
    assertThat(registry.find(MetricNames.HEALTH_TRANSITIONS).counters()).hasSize(2);
  }

  @Test
  void theHistogramsCountWhatTheyAreGiven() {
    metrics.timings().sniffed(1_000_000);
    metrics.timings().connected(2_000_000);
    metrics.timings().connected(3_000_000);
    metrics.timings().closed(4_000_000);
    assertThat(metrics.timings().counts()).containsExactly(1, 2, 1);
  }

  @Test
  void aRouteThatLeftTheTableLosesItsSeriesOnceAScrapeShowedTheirFinalValues() {
    RouteMeters gone = metrics.route("gone");
    gone.accepted();
    gone.active(1);
    gone.closed("completed");
    metrics.route("stays").accepted();

    metrics.retainRoutes("stays"::equals);
    assertThat(metrics.scrape(() -> String.join(",", routeSeries("gone")))).as("one connection still open")
        .contains(MetricNames.ROUTE_CONNECTIONS_ACCEPTED, MetricNames.ROUTE_CONNECTIONS_ACTIVE);
    assertThat(routeSeries("gone")).contains(MetricNames.ROUTE_CONNECTIONS_ACTIVE);

    gone.closed("drain_deadline");
    gone.active(-1);
    assertThat(metrics.scrape(() -> String.join(",", routeSeries("gone")))).as("the final values, scraped once")
        .contains(MetricNames.CONNECTIONS_CLOSED);
    assertThat(routeSeries("gone")).isEmpty();
    assertThat(routeSeries("stays")).containsExactly(MetricNames.ROUTE_CONNECTIONS_ACCEPTED);
    assertThat(metrics.route("gone")).as("a fresh object if the route comes back").isNotSameAs(gone);

    gone.closed("completed");
    assertThat(routeSeries("gone")).as("a late count on the old object stays out of the registry").isEmpty();
  }

  @Test
  void aRouteBackInTheTableKeepsItsSeries() {
    RouteMeters back = metrics.route("back");
    back.active(1);
    back.active(-1);
    metrics.retainRoutes(id -> false);
    metrics.retainRoutes("back"::equals);
    metrics.scrape(() -> "");
    assertThat(routeSeries("back")).containsExactly(MetricNames.ROUTE_CONNECTIONS_ACTIVE);
  }

  private java.util.List<String> routeSeries(String route) {
    return registry.getMeters().stream().filter(m -> route.equals(m.getId().getTag("route")))
        .map(m -> m.getId().getName()).toList();
  }

  @Test
  void routeMetersCountOnTheSeriesTheLabelsName() {
    RouteMeters app = metrics.route("app");
    app.active(1);
    app.active(1);
    app.active(-1);
    app.closed("completed");
    app.closed("completed");
    app.closed("idle_timeout");
    app.connectFailure("refused");
    app.panic();
    app.bytes(10, 20);
    app.bytes(1, 0);
    app.drainStarted();
    metrics.unrouted().closed("no_route");

    assertThat(gauge(MetricNames.ROUTE_CONNECTIONS_ACTIVE, "route", "app")).isEqualTo(1);
    assertThat(metrics.count(MetricNames.CONNECTIONS_CLOSED, "reason", "completed", "route", "app")).isEqualTo(2);
    assertThat(metrics.count(MetricNames.CONNECTIONS_CLOSED, "reason", "idle_timeout", "route", "app")).isEqualTo(1);
    assertThat(metrics.count(MetricNames.CONNECTIONS_CLOSED, "reason", "no_route", "route", "none")).isEqualTo(1);
    assertThat(metrics.count(MetricNames.UPSTREAM_CONNECT_FAILURES, "route", "app", "kind", "refused")).isEqualTo(1);
    assertThat(metrics.count(MetricNames.UPSTREAM_PANIC, "route", "app")).isEqualTo(1);
    assertThat(metrics.count(MetricNames.BYTES_FROM_CLIENT, "route", "app")).isEqualTo(11);
    assertThat(metrics.count(MetricNames.BYTES_FROM_BACKEND, "route", "app")).isEqualTo(20);
    assertThat(metrics.count(MetricNames.DRAINS, "route", "app")).isEqualTo(1);
  }

  @Test
  void listenerMetersCountAcceptedAndOpen() {
    ListenerMeters l = metrics.listener("127.0.0.1:443");
    l.accepted();
    l.accepted();
    l.active(1);
    l.active(1);
    l.active(-1);

    assertThat(metrics.count(MetricNames.CONNECTIONS_ACCEPTED, "listener", "127.0.0.1:443")).isEqualTo(2);
    assertThat(gauge(MetricNames.CONNECTIONS_ACTIVE, "listener", "127.0.0.1:443")).isEqualTo(1);
  }

  @Test
  void aMeterLookedUpTwiceIsTheSameSeries() {
    metrics.route("app").closed("completed");
    metrics.route("app").closed("completed");
    metrics.listener("l").active(1);
    metrics.listener("l").active(1);
    metrics.sniff("found");
    metrics.sniff("found");

    assertThat(metrics.count(MetricNames.CONNECTIONS_CLOSED, "reason", "completed", "route", "app")).isEqualTo(2);
    assertThat(gauge(MetricNames.CONNECTIONS_ACTIVE, "listener", "l")).isEqualTo(2);
    assertThat(metrics.count(MetricNames.SNIFF, "outcome", "found")).isEqualTo(2);
    assertThat(registry.find(MetricNames.SNIFF).counters()).hasSize(1);
    assertThat(registry.find(MetricNames.CONNECTIONS_CLOSED).counters()).hasSize(1);
  }

  @Test
  void countReadsOnlyTheSeriesWithExactlyTheseLabels() {
    metrics.route("app").closed("completed");
    assertThat(metrics.count(MetricNames.CONNECTIONS_CLOSED, "reason", "completed")).isZero();
    assertThat(metrics.count(MetricNames.CONNECTIONS_CLOSED, "reason", "completed", "route", "other")).isZero();
  }

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  @Test
  void everyDeclaredMetricHasHelpText() throws Exception {
    for (java.lang.reflect.Field f : MetricNames.class.getFields()) {
      if (f.getType() == String.class) {
        String name = (String) f.get(null);
        assertThat(MetricNames.help()).as(f.getName()).containsKey(name);
        assertThat(MetricNames.help().get(name)).as(f.getName()).isNotBlank();
      }
    }
  }

  @Test
  void theFilterDescribesDeclaredMetersAndLeavesOthersAlone() {
    SimpleMeterRegistry described = new SimpleMeterRegistry();
    described.config().meterFilter(new HelpText());
    described.counter(MetricNames.CONNECTIONS_ACCEPTED);
    described.counter("jvm.something");
    assertThat(described.get(MetricNames.CONNECTIONS_ACCEPTED).counter().getId().getDescription())
        .isEqualTo(MetricNames.help().get(MetricNames.CONNECTIONS_ACCEPTED));
    assertThat(described.get("jvm.something").counter().getId().getDescription()).isNull();
  }
}
