package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.eligibility.ProbeStatus;
import org.junit.jupiter.api.Test;

class ProbeStateTest {

  private static final int RISE = 2;
  private static final int FALL = 3;

  private static ProbeState apply(ProbeState s, boolean... results) {
    for (boolean r : results) {
      s = s.next(r, RISE, FALL);
    }
    return s;
  }

  @Test
  void aNewBackendStartsUnknownAndEligible() {
    assertThat(ProbeState.initial().status()).isEqualTo(ProbeStatus.UNKNOWN);
    assertThat(ProbeState.initial().isDown()).isFalse();
  }

  @Test
  void oneSuccessMakesAnUnknownBackendUp() {
    assertThat(apply(ProbeState.initial(), true).status()).isEqualTo(ProbeStatus.UP);
  }

  @Test
  void goesDownOnlyAfterFallConsecutiveFailures() {
    ProbeState s = apply(ProbeState.initial(), true, false, false);
    assertThat(s.status()).isEqualTo(ProbeStatus.UP);
    assertThat(s.failures()).isEqualTo(2);
    s = apply(s, false);
    assertThat(s.status()).isEqualTo(ProbeStatus.DOWN);
  }

  @Test
  void anUnknownBackendThatNeverAnswersGoesDownAfterFall() {
    ProbeState s = apply(ProbeState.initial(), false, false);
    assertThat(s.status()).isEqualTo(ProbeStatus.UNKNOWN);
    assertThat(apply(s, false).status()).isEqualTo(ProbeStatus.DOWN);
  }

  @Test
  void aSuccessResetsTheFailureCount() {
    ProbeState s = apply(ProbeState.initial(), true, false, false, true, false, false);
    assertThat(s.status()).isEqualTo(ProbeStatus.UP);
    assertThat(s.failures()).isEqualTo(2);
    assertThat(s.successes()).isZero();
  }

  @Test
  void comesBackOnlyAfterRiseConsecutiveSuccesses() {
    ProbeState down = apply(ProbeState.initial(), false, false, false);
    ProbeState s = apply(down, true);
    assertThat(s.status()).isEqualTo(ProbeStatus.DOWN);
    assertThat(apply(s, true).status()).isEqualTo(ProbeStatus.UP);
  }

  @Test
  void aFailureResetsTheSuccessCountWhileDown() {
    ProbeState s = apply(ProbeState.initial(), false, false, false, true, false, true);
    assertThat(s.status()).isEqualTo(ProbeStatus.DOWN);
    assertThat(s.successes()).isEqualTo(1);
    assertThat(s.failures()).isZero();
    assertThat(apply(s, true).status()).isEqualTo(ProbeStatus.UP);
  }

  @Test
  void failuresWhileDownKeepItDown() {
    ProbeState s = apply(ProbeState.initial(), false, false, false, false, false);
    assertThat(s.status()).isEqualTo(ProbeStatus.DOWN);
  }

  @Test
  void riseAndFallOfOneFlipAtOnce() {
    ProbeState s = ProbeState.initial().next(false, 1, 1);
    assertThat(s.status()).isEqualTo(ProbeStatus.DOWN);
    assertThat(s.next(true, 1, 1).status()).isEqualTo(ProbeStatus.UP);
  }

  @Test
  void countersSaturateInsteadOfOverflowing() {
    ProbeState s = new ProbeState(ProbeStatus.UP, ProbeState.CAP, 0).next(true, RISE, FALL);
    assertThat(s.successes()).isEqualTo(ProbeState.CAP);
  }
}
