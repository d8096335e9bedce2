package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GroupFetcherTest {

  static final long BASE = 200;

  final AtomicLong clock = new AtomicLong(1_000_000);
  final List<InstanceGroup> asked = new ArrayList<>();
  final List<Promise<ControlPlaneClient.Instances>> pending = new ArrayList<>();
  final List<String> failures = new ArrayList<>();
  int inFlight;
  int maxSeenInFlight;

  GroupFetcher fetcher(int maxInFlight) {
    return new GroupFetcher(g -> {
      asked.add(g);
      inFlight++;
      maxSeenInFlight = Math.max(maxSeenInFlight, inFlight);
      Promise<ControlPlaneClient.Instances> p = Promise.promise();
      pending.add(p);
      return p.future().andThen(ar -> inFlight--);
    }, maxInFlight, BASE, clock::get, (g, e) -> failures.add(g + " " + e.failure().label()));
  }

  static InstanceGroup group(int i) {
    return new InstanceGroup("app_1", "env_" + i, "web");
  }

  static ControlPlaneClient.Instances ready(String... ipv6) {
    return new ControlPlaneClient.Instances(List.of(ipv6), List.of());
  }

  static SyncException unavailable(boolean retryable) {
    return new SyncException(SyncFailure.SERVER_ERROR, "HTTP 503", retryable, "req_1");
  }

  /** Completes pending requests in order, each with {@code answer}, until none is left. */
  void answerAll(ControlPlaneClient.Instances answer) {
    while (!pending.isEmpty()) {
      pending.remove(0).complete(answer);
    }
  }

  @Test
  void eachGroupIsFetchedOnceWithBoundedRequestsInFlight() {
    GroupFetcher f = fetcher(3);
    List<InstanceGroup> groups = new ArrayList<>();
    for (int route = 0; route < 200; route++) {
      groups.add(group(route % 20)); // 200 routes over 20 groups
    }
    Future<GroupFetcher.Answers> done = f.fetch(groups);
    assertThat(pending).hasSize(3);
    answerAll(ready("fd00::1"));

    assertThat(done.succeeded()).isTrue();
    assertThat(asked).hasSize(20).doesNotHaveDuplicates();
    assertThat(maxSeenInFlight).isEqualTo(3);
    assertThat(done.result().sets()).hasSize(20).containsEntry(group(7), ready("fd00::1"));
  }

  @Test
  void answersThatAreAlreadyCompleteAreTakenInALoopNotARecursion() {
    // a source may answer at once (a cached or refused request): 200 000 groups in one lane must not nest 200 000
    // continuations on the stack
    int n = 200_000;
    GroupFetcher f = new GroupFetcher(g -> Future.succeededFuture(ready("fd00::1")), 1, BASE, clock::get,
        (g, e) -> failures.add(g.toString()));
    List<InstanceGroup> groups = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      groups.add(group(i));
    }

    Future<GroupFetcher.Answers> done = f.fetch(groups);

    assertThat(done.succeeded()).isTrue();
    assertThat(done.result().sets()).hasSize(n);
  }

  @Test
  void failedGroupKeepsItsLastGoodSetAndIsNotAskedAgainWhileBackingOff() {
    GroupFetcher f = fetcher(4);
    f.fetch(List.of(group(1), group(2)));
    answerAll(ready("fd00::1"));

    Future<GroupFetcher.Answers> failed = f.fetch(List.of(group(1), group(2)));
    pending.remove(0).fail(unavailable(true));
    pending.remove(0).complete(ready("fd00::2"));
    assertThat(failed.result().sets()).containsEntry(group(1), ready("fd00::1"))
        .containsEntry(group(2), ready("fd00::2"));
    assertThat(failures).containsExactly("app_1/env_1/web server_error");
    assertThat(f.failing()).containsExactly(group(1));

    // within the backoff: the failing group is answered from its last good set without a request
    asked.clear();
    Future<GroupFetcher.Answers> backingOff = f.fetch(List.of(group(1), group(2)));
    answerAll(ready("fd00::3"));
    assertThat(asked).containsExactly(group(2));
    assertThat(backingOff.result().sets()).containsEntry(group(1), ready("fd00::1"));

    // past it: asked again, and a success ends the failing
    clock.addAndGet(f.nextRetryAt() - clock.get());
    asked.clear();
    Future<GroupFetcher.Answers> retried = f.fetch(List.of(group(1)));
    answerAll(ready("fd00::4"));
    assertThat(asked).containsExactly(group(1));
    assertThat(retried.result().sets()).containsEntry(group(1), ready("fd00::4"));
    assertThat(f.failing()).isEmpty();
    assertThat(f.nextRetryAt()).isEqualTo(-1);
  }

  @Test
  void answersEqualToTheLastGoodOneAreMarkedUnchanged() {
    GroupFetcher f = fetcher(4);
    Future<GroupFetcher.Answers> first = f.fetch(List.of(group(1), group(2), group(3)));
    answerAll(ready("fd00::1"));
    assertThat(first.result().unchanged()).as("nothing known before").isEmpty();

    Future<GroupFetcher.Answers> second = f.fetch(List.of(group(1), group(2), group(3)));
    pending.remove(0).complete(ready("fd00::1"));
    pending.remove(0).complete(ready("fd00::1", "fd00::2"));
    pending.remove(0).fail(unavailable(true));
    assertThat(second.result().unchanged()).containsExactlyInAnyOrder(group(1), group(3));
    assertThat(second.result().sets()).containsEntry(group(2), ready("fd00::1", "fd00::2"));
  }

  @Test
  void groupNeverFetchedIsAbsentWhenItFails() {
    GroupFetcher f = fetcher(2);
    Future<GroupFetcher.Answers> done = f.fetch(List.of(group(1)));
    pending.remove(0).fail(new java.net.ConnectException("refused"));
    assertThat(done.result().sets()).isEmpty();
    assertThat(failures).containsExactly("app_1/env_1/web unreachable");
  }

  @Test
  void backoffDoublesWithJitterUpToTheCap() {
    GroupFetcher f = fetcher(1);
    long cap = 30_000;
    for (int failure = 1; failure <= 12; failure++) {
      clock.addAndGet(Math.max(0, f.nextRetryAt() - clock.get()));
      f.fetch(List.of(group(1)));
      pending.remove(0).fail(unavailable(true));
      long wait = f.nextRetryAt() - clock.get();
      long full = Math.min(cap, BASE << failure);
      assertThat(wait).as("wait after failure %d", failure).isBetween(full / 2, full);
    }
  }

  @Test
  void notRetryableWaitsTheCap() {
    GroupFetcher f = fetcher(1);
    f.fetch(List.of(group(1)));
    pending.remove(0).fail(unavailable(false));
    assertThat(f.nextRetryAt() - clock.get()).isBetween(15_000L, 30_000L);
  }

  @Test
  void forgottenGroupsAreDropped() {
    GroupFetcher f = fetcher(2);
    f.fetch(List.of(group(1), group(2)));
    pending.remove(0).fail(unavailable(true));
    pending.remove(0).fail(unavailable(true));
    f.retain(Set.of(group(2)));
    assertThat(f.failing()).containsExactly(group(2));

    // the count of failing groups that spares a walk of every group follows forgetting, success and failure
    clock.addAndGet(f.nextRetryAt() - clock.get());
    f.fetch(List.of(group(2)));
    answerAll(ready("fd00::1"));
    assertThat(f.failing()).isEmpty();
    assertThat(f.nextRetryAt()).isEqualTo(-1);
    f.fetch(List.of(group(3)));
    pending.remove(0).fail(unavailable(true));
    assertThat(f.failing()).containsExactly(group(3));
    assertThat(f.nextRetryAt()).isGreaterThan(clock.get());
  }
}
