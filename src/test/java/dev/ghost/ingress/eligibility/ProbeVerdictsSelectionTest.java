package dev.ghost.ingress.eligibility;

import dev.ghost.ingress.route.Routes;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Route;
import static dev.ghost.ingress.route.Routes.B1;
import static dev.ghost.ingress.route.Routes.B2;
import static dev.ghost.ingress.route.Routes.B3;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Probe verdicts in selection: a probe-down backend is skipped like an ejected one, panic mode still applies. */
class ProbeVerdictsSelectionTest {

  private final FakeClock clock = new FakeClock();
  private final BackendHealth health = new BackendHealth(Duration.ofSeconds(1), Duration.ofSeconds(300), clock);
  private final RoundRobinSelector selector = new RoundRobinSelector();

  private static Route route(String id, Backend... backends) {
    return Routes.build(List.of(Routes.tls(id, id + ".example", 443, 1).withBackends(List.of(backends))))
        .route(id);
  }

  @Test
  void aProbeDownBackendIsSkipped() {
    Route r = route("r", B1, B2, B3);
    health.probes().set(B2, ProbeStatus.DOWN);

    for (int i = 0; i < 4; i++) {
      Plan p = selector.plan(r, health, 3);
      assertThat(p.order()).doesNotContain(B2);
      assertThat(p.panic()).isFalse();
    }
    assertThat(health.state(B2, clock.getAsLong())).isEqualTo(BackendState.PROBE_DOWN);
    assertThat(health.state(B1, clock.getAsLong())).isEqualTo(BackendState.ELIGIBLE);
  }

  @Test
  void probeUpAndUnknownAreEligible() {
    Route r = route("r", B1, B2);
    health.probes().set(B1, ProbeStatus.UP);
    assertThat(selector.plan(r, health, 2).order()).containsExactly(B1, B2);
    assertThat(health.probes().status(B2)).isEqualTo(ProbeStatus.UNKNOWN);
  }

  @Test
  void panicWhenEveryBackendIsUnhealthyForMixedReasons() {
    Route r = route("r", B1, B2);
    health.probes().set(B1, ProbeStatus.DOWN);
    health.connectFailed(B2, clock.getAsLong());

    Plan p = selector.plan(r, health, 2);
    assertThat(p.panic()).isTrue();
    assertThat(p.order()).containsExactlyInAnyOrder(B1, B2);
  }

  @Test
  void panicNeverOffersADrainedBackend() {
    Route r = route("r", B1, B2);
    health.probes().set(B1, ProbeStatus.DOWN);
    health.drains().set(B2, true, "n1");

    Plan p = selector.plan(r, health, 2);
    assertThat(p.panic()).isTrue();
    assertThat(p.order()).containsExactly(B1);
    assertThat(health.state(B2, clock.getAsLong())).isEqualTo(BackendState.DRAINED);
  }

  @Test
  void aBackendNotInTheRouteIsNeverOfferedWhateverItsVerdict() {
    Route r = route("r", B1);
    health.probes().set(B1, ProbeStatus.DOWN);
    health.probes().set(B3, ProbeStatus.UP); // probed fine, but the control plane removed it
    Plan p = selector.plan(r, health, 3);
    assertThat(p.order()).containsExactly(B1);
    assertThat(p.panic()).isTrue();
  }

  @Test
  void listenersHearOnlyDownAndUpFlips() {
    AtomicInteger changes = new AtomicInteger();
    health.probes().onChange(changes::incrementAndGet);
    health.probes().set(B1, ProbeStatus.UP);
    assertThat(changes).hasValue(0);
    health.probes().set(B1, ProbeStatus.DOWN);
    health.probes().set(B1, ProbeStatus.DOWN);
    assertThat(changes).hasValue(1);
    health.probes().set(B1, ProbeStatus.UP);
    assertThat(changes).hasValue(2);
  }

  @Test
  void retainOnlyForgetsVerdictsOfRemovedBackends() {
    health.probes().set(B1, ProbeStatus.DOWN);
    health.probes().set(B2, ProbeStatus.UP);
    health.retainOnly(Set.of(B2));
    assertThat(health.probes().isDown(B1)).isFalse();
    assertThat(health.probes().status(B1)).isEqualTo(ProbeStatus.UNKNOWN);
    assertThat(health.probes().status(B2)).isEqualTo(ProbeStatus.UP);
  }

  @Test
  void clearForgetsEveryVerdict() {
    health.probes().set(B1, ProbeStatus.DOWN);
    health.probes().clear();
    assertThat(health.probes().noneDown()).isTrue();
    assertThat(health.probes().snapshot()).isEmpty();
  }
}
