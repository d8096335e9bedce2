package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.RoundRobinSelector;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Origin;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.route.RouteTableEdit;
import dev.ghost.ingress.route.RouteTableRef;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A swap forgets the state of what the new table no longer has and keeps the rest, whether the new table was
 * derived from the one it replaces (only the changed routes are looked at) or built from scratch (everything is).
 */
class RouteStateRetentionTest {

  private static final Backend ONLY_GONE = new Backend("fd00::1", 8443);
  private static final Backend SHARED = new Backend("fd00::2", 8443);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final IngressMetrics metrics = new IngressMetrics(registry);
  private final RoundRobinSelector selector = new RoundRobinSelector();
  private final BackendHealth health = new BackendHealth(Duration.ofSeconds(1), Duration.ofSeconds(10), () -> 0L);

  private static Route route(String id, String host, long rank, Backend... backends) {
    return Route.tls(id, host, 443).withOrigin(Origin.CONTROL_PLANE, rank).withBackends(List.of(backends));
  }

  private final Route gone = route("gone", "gone.test", 1, ONLY_GONE, SHARED);
  private final Route stays = route("stays", "stays.test", 2, SHARED);

  @Test
  void aDerivedTableForgetsTheRouteItRemovedAndItsBackendOnly() {
    RouteTable before = new RouteTableBuilder(1, PortPolicy.DEFAULT).add(gone).add(stays).build();
    RouteTable after = new RouteTableEdit(before, 2).remove(gone).build();
    assertThat(after.changeFrom(before)).isPresent();
    swap(before, after);
  }

  @Test
  void aTableBuiltFromScratchForgetsTheSame() {
    RouteTable before = new RouteTableBuilder(1, PortPolicy.DEFAULT).add(gone).add(stays).build();
    RouteTable after = new RouteTableBuilder(2, PortPolicy.DEFAULT).add(stays).build();
    assertThat(after.changeFrom(before)).isEmpty();
    swap(before, after);
  }

  @Test
  void aMeterMadeAfterItsRouteLeftIsDroppedByTheNextSweepNotByEverySwap() {
    RouteTable table = new RouteTableBuilder(1, PortPolicy.DEFAULT).add(gone).add(stays).build();
    RouteTableRef tables = new RouteTableRef(table);
    RouteStateRetention.attach(tables, selector, health, metrics);
    table = new RouteTableEdit(table, 2).remove(gone).build();
    tables.swap(table);
    metrics.route("gone").accepted(); // a connection still on the replaced table, counted after the swap
    for (int i = 0; i < RouteStateRetention.SWEEP_EVERY - 2; i++) {
      table = new RouteTableEdit(table, 3 + i).build(); // derived, nothing changed: nothing is looked at
      tables.swap(table);
    }
    metrics.scrape(() -> "");
    assertThat(registry.getMeters()).anyMatch(m -> "gone".equals(m.getId().getTag("route")));

    tables.swap(new RouteTableEdit(table, 1_000).build());
    metrics.scrape(() -> "");
    assertThat(registry.getMeters()).noneMatch(m -> "gone".equals(m.getId().getTag("route")));
  }

  private void swap(RouteTable before, RouteTable after) {
    RouteTableRef tables = new RouteTableRef(before);
    RouteStateRetention.attach(tables, selector, health, metrics);
    metrics.route("gone").accepted();
    metrics.route("stays").accepted();
    health.connectFailed(ONLY_GONE, 0);
    health.connectFailed(SHARED, 0);

    tables.swap(after);
    metrics.scrape(() -> "");

    assertThat(health.snapshot()).containsOnlyKeys(SHARED);
    assertThat(registry.getMeters()).noneMatch(m -> "gone".equals(m.getId().getTag("route")));
    assertThat(registry.getMeters()).anyMatch(m -> "stays".equals(m.getId().getTag("route")));
  }
}
