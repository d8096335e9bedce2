package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Listener instances report the same shared socket at their own pace; reports about older tables lose. */
class BoundSocketsTest {

  final BoundSockets bound = new BoundSockets();
  final Binding raw = new Binding("::1", 7800, 0);

  @Test
  void aLateBoundOfAnOlderTableDoesNotPutBackAReleasedPort() {
    assertThat(bound.bound(raw, 38187, 4)).isTrue();
    assertThat(bound.released(raw, 5)).isTrue();
    assertThat(bound.bound(raw, 38187, 4)).isFalse(); // the slower instance's listen of table 4 completes now
    assertThat(bound.port("::1", 7800)).isEqualTo(-1);
    assertThat(bound.bound(raw, 46789, 6)).isTrue();
    assertThat(bound.port("::1", 7800)).isEqualTo(46789);
  }

  @Test
  void aLateReleaseOfAnOlderTableDoesNotEraseANewerBinding() {
    bound.bound(raw, 38187, 4);
    bound.released(raw, 5);
    bound.bound(raw, 46789, 6);
    assertThat(bound.released(raw, 5)).isFalse(); // the slower instance catches up with table 5
    assertThat(bound.port("::1", 7800)).isEqualTo(46789);
  }

  @Test
  void instancesOfTheSameTableReportTogetherAndOnlyTheFirstIsNews() {
    assertThat(bound.bound(raw, 38187, 4)).isTrue();
    assertThat(bound.bound(raw, 38187, 4)).isFalse();
    assertThat(bound.failed(raw, "in use", 4)).isTrue();
    assertThat(bound.failed(raw, "in use", 4)).isFalse();
    assertThat(bound.bound(raw, 38187, 4)).isTrue(); // a retry of the same table binds
    assertThat(bound.released(raw, 5)).isTrue();
    assertThat(bound.released(raw, 5)).isFalse();
  }
}
