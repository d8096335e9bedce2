package dev.ghost.ingress.eligibility;

import dev.ghost.ingress.route.Routes;
import dev.ghost.ingress.route.Backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendHealthTest {

  private final FakeClock clock = new FakeClock();
  private final BackendHealth health = new BackendHealth(Duration.ofSeconds(1), Duration.ofSeconds(300), clock);
  private final Backend b = Routes.B1;

  private boolean ejected() {
    return health.isEjected(b, clock.getAsLong());
  }

  /** Fails once, then returns how long the ejection lasts, to the millisecond. */
  private Duration failAndMeasure() {
    health.connectFailed(b, clock.getAsLong());
    return health.snapshot().get(b).ejectedFor();
  }

  @Test
  void firstFailureEjectsForTheBaseTime() {
    assertThat(ejected()).isFalse();
    health.connectFailed(b, clock.getAsLong());
    assertThat(ejected()).isTrue();
    clock.advance(Duration.ofMillis(999));
    assertThat(ejected()).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(ejected()).isFalse();
  }

  @Test
  void consecutiveFailuresDoubleTheEjectionUpToTheCap() {
    long[] expectedSeconds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300};
    for (long seconds : expectedSeconds) {
      assertThat(failAndMeasure()).isEqualTo(Duration.ofSeconds(seconds));
      clock.advance(Duration.ofSeconds(seconds));
      assertThat(ejected()).isFalse();
    }
    assertThat(health.snapshot().get(b).consecutiveFailures()).isEqualTo(expectedSeconds.length);
  }

  @Test
  void aBurstOfFailuresWhileEjectedDoesNotExtendTheEjection() {
    health.connectFailed(b, clock.getAsLong());
    health.connectFailed(b, clock.getAsLong());
    health.connectFailed(b, clock.getAsLong());

    BackendHealth.Status s = health.snapshot().get(b);
    assertThat(s.ejectedFor()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.consecutiveFailures()).isEqualTo(3);
  }

  @Test
  void successRestoresAndResetsTheBackoff() {
    failAndMeasure();
    clock.advance(Duration.ofSeconds(1));
    assertThat(failAndMeasure()).isEqualTo(Duration.ofSeconds(2));

    health.connectSucceeded(b);
    assertThat(ejected()).isFalse();
    assertThat(health.snapshot()).isEmpty();
    assertThat(failAndMeasure()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void snapshotShowsExpiredEntriesAsNotEjected() {
    health.connectFailed(b, clock.getAsLong());
    clock.advance(Duration.ofSeconds(5));

    assertThat(health.snapshot()).containsEntry(b, new BackendHealth.Status(false, Duration.ZERO, 1));
  }

  @Test
  void retainOnlyForgetsRemovedBackends() {
    health.connectFailed(Routes.B1, clock.getAsLong());
    health.connectFailed(Routes.B2, clock.getAsLong());
    health.retainOnly(List.of(Routes.B2));

    assertThat(health.snapshot()).containsOnlyKeys(Routes.B2);
  }

  @Test
  void rejectsNonsenseDurations() {
    assertThatThrownBy(() -> new BackendHealth(Duration.ZERO, Duration.ofSeconds(1), clock))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BackendHealth(Duration.ofSeconds(2), Duration.ofSeconds(1), clock))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
