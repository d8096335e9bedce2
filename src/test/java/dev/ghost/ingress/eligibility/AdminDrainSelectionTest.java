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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Admin drains in backend selection, and the last-writer-wins merge of the fleet-wide drain state. */
class AdminDrainSelectionTest {

  private final FakeClock clock = new FakeClock();
  private final BackendHealth health = new BackendHealth(Duration.ofSeconds(1), Duration.ofSeconds(300), clock);
  private final RoundRobinSelector selector = new RoundRobinSelector();

  private static Route route(Backend... backends) {
    return Routes.build(List.of(Routes.tls("r", "r.example", 443, 1).withBackends(List.of(backends)))).route("r");
  }

  @Test
  void aDrainedBackendIsNeverChosenWhileAnotherIsEligible() {
    Route r = route(B1, B2, B3);
    health.drains().set(B2, true, "n1");
    for (int i = 0; i < 9; i++) {
      Plan p = selector.plan(r, health, 3);
      assertThat(p.order()).doesNotContain(B2).hasSize(2);
      assertThat(p.panic()).isFalse();
    }
    health.drains().set(B2, false, "n1");
    assertThat(java.util.stream.IntStream.range(0, 3).mapToObj(i -> selector.plan(r, health, 1).order().get(0)))
        .contains(B2);
  }

  @Test
  void drainedStaysOutEvenInPanicMode() {
    Route r = route(B1, B2);
    health.drains().set(B1, true, "n1");
    health.connectFailed(B2, clock.getAsLong());
    Plan p = selector.plan(r, health, 3);
    assertThat(p.order()).containsExactly(B2);
    assertThat(p.panic()).isTrue();
  }

  @Test
  void allDrainedGivesAnEmptyPlanSoTheConnectionClosesWithNoEligibleBackend() {
    Route r = route(B1, B2);
    health.drains().set(B1, true, "n1");
    health.drains().set(B2, true, "n2");
    assertThat(selector.plan(r, health, 3)).isEqualTo(Plan.EMPTY);
    assertThat(selector.peek(r, health, 3)).isEqualTo(Plan.EMPTY);
  }

  @Test
  void peekShowsTheNextChoiceWithoutConsumingIt() {
    Route r = route(B1, B2, B3);
    assertThat(selector.peek(r, health, 3).order()).containsExactly(B1, B2, B3);
    assertThat(selector.peek(r, health, 3).order()).containsExactly(B1, B2, B3);
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B1, B2, B3);
    assertThat(selector.peek(r, health, 1).order()).containsExactly(B2);
    assertThat(selector.plan(r, health, 1).order()).containsExactly(B2);
  }

  @Test
  void drainStateMergesLastWriterWinsWithTombstones() {
    AtomicLong wall = new AtomicLong(1_000);
    AdminDrains a = new AdminDrains(wall::get);
    AdminDrains b = new AdminDrains(wall::get);
    AdminDrains.Entry drain = a.set(B1, true, "a");
    assertThat(b.merge(drain)).isTrue();
    assertThat(b.merge(drain)).isFalse(); // idempotent
    assertThat(b.isDrained(B1)).isTrue();
    AdminDrains.Entry undrain = b.set(B1, false, "b"); // same wall clock: still newer
    assertThat(undrain.stamp()).isGreaterThan(drain.stamp());
    assertThat(a.merge(undrain)).isTrue();
    assertThat(a.merge(drain)).isFalse(); // the old drain does not come back from a late rebroadcast
    assertThat(a.isDrained(B1)).isFalse();
    assertThat(a.drained()).isEmpty();
    assertThat(a.entries()).hasSize(1);
    // equal stamps: the greater origin wins, on every node alike
    AdminDrains c = new AdminDrains(wall::get);
    c.merge(new AdminDrains.Entry(B2, true, 5_000, "x"));
    c.merge(new AdminDrains.Entry(B2, false, 5_000, "y"));
    c.merge(new AdminDrains.Entry(B2, true, 5_000, "x"));
    assertThat(c.isDrained(B2)).isFalse();
  }
}
