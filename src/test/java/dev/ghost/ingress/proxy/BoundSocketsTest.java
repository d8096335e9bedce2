package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Listener instances report their own state of a shared binding; the node shows their sum, each change once. */
class BoundSocketsTest {

  final BoundSockets bound = new BoundSockets();
  final Binding raw = new Binding("::1", 7800, 0);
  final int one = bound.newInstance();
  final int two = bound.newInstance();

  static ListenerBindings.Report bound(int port) {
    return new ListenerBindings.Report(BindingState.BOUND, port, null);
  }

  static ListenerBindings.Report failed(String why) {
    return new ListenerBindings.Report(BindingState.FAILED, -1, why);
  }

  static ListenerBindings.Report state(BindingState s) {
    return new ListenerBindings.Report(s, -1, null);
  }

  @Test
  void theFirstInstanceBoundIsNewsAndTheOthersAreNot() {
    assertThat(bound.report(one, raw, state(BindingState.BINDING)).nowBound()).isFalse();
    assertThat(bound.report(one, raw, bound(38187)).nowBound()).isTrue();
    assertThat(bound.report(two, raw, bound(38187)).nowBound()).isFalse();
    assertThat(bound.port("::1", 7800)).isEqualTo(38187);
  }

  @Test
  void aBindingStaysBoundUntilTheLastInstanceLetsGo() {
    bound.report(one, raw, bound(38187));
    bound.report(two, raw, bound(38187));
    assertThat(bound.report(one, raw, state(BindingState.RELEASING)).noLongerBound()).isFalse();
    assertThat(bound.forget(one, raw).noLongerBound()).isFalse();
    assertThat(bound.port("::1", 7800)).isEqualTo(38187);
    assertThat(bound.report(two, raw, state(BindingState.RELEASING)).noLongerBound()).isTrue();
    assertThat(bound.port("::1", 7800)).isEqualTo(-1);
    bound.forget(two, raw);
    assertThat(bound.snapshot()).isEmpty();
    assertThat(bound.held()).isZero();
  }

  @Test
  void aFailureShowsOnlyWhileNoInstanceIsBoundAndEachReasonIsNewsOnce() {
    assertThat(bound.report(one, raw, failed("in use")).nowFailed()).isTrue();
    assertThat(bound.report(two, raw, failed("in use")).nowFailed()).isFalse();
    assertThat(bound.report(one, raw, failed("in use")).nowFailed()).isFalse(); // a retry failing the same way
    assertThat(bound.snapshot().get("[::1]:7800").error()).isEqualTo("in use");
    assertThat(bound.failedHosts()).containsExactly("::1");
    assertThat(bound.report(one, raw, bound(7800)).nowBound()).isTrue(); // a retry binds
    assertThat(bound.snapshot().get("[::1]:7800").bound()).isTrue();
    assertThat(bound.failedHosts()).isEmpty();
  }

  @Test
  void churnLeavesNothingBehind() {
    for (int port = 1; port <= 5_000; port++) {
      Binding b = new Binding("::1", port, port);
      bound.report(one, b, state(BindingState.BINDING));
      bound.report(one, b, bound(port));
      bound.report(one, b, state(BindingState.RELEASING));
      bound.forget(one, b);
    }
    assertThat(bound.held()).isZero();
  }
}
