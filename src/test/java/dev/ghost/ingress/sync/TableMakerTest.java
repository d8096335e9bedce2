package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.testing.TestNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sync's tables: the first one built from scratch, the next one derived when its state descends from the last
 * one's under the same configuration, and built from scratch again after a reload or for a state of another lineage
 * (an adopted snapshot, a replay). Derived or not, the table is the one a full build makes.
 */
class TableMakerTest {

  @Test
  void derivesUnderTheSameConfigurationAndBuildsOtherwise() throws Exception {
    IngressConfig config = TestNode.config(new TestNode.Spec().ipv6("::1"));
    IngressConfig reloaded = TestNode.config(new TestNode.Spec().ipv6("::1"));
    TableMaker maker = new TableMaker();
    ControlPlaneState state = SyncAtScaleTest.state(1_000, 9443);
    RouteTable first = maker.make(state, config, 1);
    assertThat(first.routesExamined()).isEqualTo(1_000);

    ControlPlaneState changed = state.withBackends("rt_5", List.of(new Backend("fd00::5", 9443)));
    RouteTable derived = maker.make(changed, config, 2);
    assertThat(derived.changeFrom(first)).isPresent();
    assertThat(derived.routesExamined()).isLessThanOrEqualTo(2);
    assertThat(derived.route("rt_5").backends()).containsExactly(new Backend("fd00::5", 9443));

    RouteTable afterReload = maker.make(changed, reloaded, 3);
    assertThat(afterReload.changeFrom(derived)).isEmpty();
    assertThat(afterReload.routesExamined()).isEqualTo(1_000);

    RouteTable otherLineage = maker.make(SyncAtScaleTest.state(1_000, 9443), reloaded, 4);
    assertThat(otherLineage.changeFrom(afterReload)).isEmpty();
    assertThat(TableDerivationPropertyTest.describe(derived))
        .isEqualTo(TableDerivationPropertyTest.describe(changed.toTable(2, null, config.envs(), config.routes())));
  }
}
