package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: one route change re-resolves the routes it touches, not the table. At 10 000 routes on one port (the
 * worst case for a per-port index) a patch, a backend set, a new route and a deletion each examine as many routes
 * as at 100, and the derived table tells its swap listeners exactly which routes changed. Counted, not timed; a
 * full build examines every route, so a change that falls back to one fails here.
 */
class TableChangeCostTest {

  @Test
  void aPatchAndItsBackendSetExamineTheSameFewRoutesAtAnySize() {
    Derived small = change(100, s -> patched(s, "rt_7"));
    Derived large = change(10_000, s -> patched(s, "rt_7"));
    assertThat(large.table.routesExamined()).isEqualTo(small.table.routesExamined()).isLessThanOrEqualTo(4);
    RouteTable.Change change = large.table.changeFrom(large.before).orElseThrow();
    assertThat(change.removed()).extracting(Route::id).containsExactly("rt_7");
    assertThat(change.added()).extracting(Route::id).containsExactly("rt_7");
    assertThat(change.added().get(0).backends()).containsExactly(new Backend("fd00::9", 9000));
  }

  @Test
  void aNewRouteAndADeletionExamineOnlyTheirOwnName() {
    UnaryOperator<ControlPlaneState> create = s -> s.apply(List.of(new CpEvent.RouteCreated(s.cursor() + 1,
        new CpRoute("rt_new", "app_1", "env_1", "new.scale.test", 443, Protocol.TLS_PASSTHROUGH, "web", 9443,
            false, false, false, null, s.cursor() + 1)))).next();
    UnaryOperator<ControlPlaneState> delete = s -> s.apply(List.of(new CpEvent.RouteDeleted(s.cursor() + 1,
        "rt_3"))).next();
    assertThat(change(10_000, create).table.routesExamined()).isLessThanOrEqualTo(1);
    assertThat(change(10_000, delete).table.routesExamined()).isLessThanOrEqualTo(2);
  }

  @Test
  void aFullBuildExaminesEveryRoute() {
    Derived full = change(10_000, s -> patched(s, "rt_7"));
    assertThat(full.before.routesExamined()).isEqualTo(10_000);
  }

  private static ControlPlaneState patched(ControlPlaneState s, String id) {
    ControlPlaneState next = s.apply(List.of(new CpEvent.RouteUpdated(s.cursor() + 1, id,
        new RoutePatch(null, 9000, null, null, null, null)))).next();
    return next.withBackends(id, List.of(new Backend("fd00::9", 9000)));
  }

  private record Derived(RouteTable before, RouteTable table) {}

  private static Derived change(int n, UnaryOperator<ControlPlaneState> change) {
    ControlPlaneState state = SyncAtScaleTest.state(n, 9443);
    RouteTable before = state.toTable(1, PortPolicy.DEFAULT, List.of(), List.of());
    ControlPlaneState next = change.apply(state);
    RouteTable table = next.deriveTable(2, PortPolicy.DEFAULT, state, before);
    assertThat(table).as("derived, not rebuilt").isNotNull();
    assertThat(TableDerivationPropertyTest.describe(table))
        .isEqualTo(TableDerivationPropertyTest.describe(next.toTable(2, PortPolicy.DEFAULT, List.of(), List.of())));
    return new Derived(before, table);
  }
}
