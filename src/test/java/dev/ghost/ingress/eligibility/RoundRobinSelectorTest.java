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
import org.junit.jupiter.api.Test;

class RoundRobinSelectorTest {

  private final FakeClock clock = new FakeClock();
  private final BackendHealth health = new BackendHealth(Duration.ofSeconds(1), Duration.ofSeconds(300), clock);
  private final RoundRobinSelector selector = new RoundRobinSelector();

  private static Route route(String id, Backend... backends) {
    return Routes.build(List.of(Routes.tls(id, id + ".example", 443, 1).withBackends(List.of(backends))))
        .route(id);
  }

  @Test
  void rotatesTheFirstChoiceAndTriesTheRestInOrder() {
    Route r = route("r", B1, B2, B3);

    assertThat(selector.plan(r, health, 3)).isEqualTo(new Plan(List.of(B1, B2, B3), false));
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B2, B3, B1);
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B3, B1, B2);
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B1, B2, B3);
  }

  @Test
  void twoSelectorsGiveTheSameSequence() {
    Route r = route("r", B1, B2, B3);
    RoundRobinSelector other = new RoundRobinSelector();
    for (int i = 0; i < 7; i++) {
      assertThat(other.plan(r, health, 2)).isEqualTo(selector.plan(r, health, 2));
    }
  }

  @Test
  void countersArePerRoute() {
    Route a = route("a", B1, B2);
    Route b = route("b", B1, B2);

    assertThat(selector.plan(a, health, 1).order()).containsExactly(B1);
    assertThat(selector.plan(a, health, 1).order()).containsExactly(B2);
    assertThat(selector.plan(b, health, 1).order()).containsExactly(B1);
  }

  @Test
  void planHoldsDistinctBackendsAndAtMostAttempts() {
    Route r = route("r", B1, B2, B1, B2);

    assertThat(r.backends()).containsExactly(B1, B2);
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B1, B2);
    assertThat(selector.plan(r, health, 1).order()).containsExactly(B2);
    assertThat(selector.plan(r, health, 0)).isEqualTo(Plan.EMPTY);
  }

  @Test
  void skipsEjectedBackendsAndRoundRobinsAmongTheRest() {
    Route r = route("r", B1, B2, B3);
    health.connectFailed(B2, clock.getAsLong());

    assertThat(selector.plan(r, health, 3)).isEqualTo(new Plan(List.of(B1, B3), false));
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B3, B1);
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B1, B3);

    clock.advance(Duration.ofSeconds(1));
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B1, B2, B3);
  }

  @Test
  void panicModeWhenEveryBackendIsEjected() {
    Route r = route("r", B1, B2);
    health.connectFailed(B1, clock.getAsLong());
    health.connectFailed(B2, clock.getAsLong());

    Plan first = selector.plan(r, health, 3);
    assertThat(first.panic()).isTrue();
    assertThat(first.order()).containsExactly(B1, B2);
    assertThat(selector.plan(r, health, 3).order()).containsExactly(B2, B1);

    health.connectSucceeded(B1);
    assertThat(selector.plan(r, health, 3)).isEqualTo(new Plan(List.of(B1), false));
  }

  @Test
  void routeWithoutBackendsHasNothingToTry() {
    assertThat(selector.plan(route("r"), health, 3).isEmpty()).isTrue();
  }
}
