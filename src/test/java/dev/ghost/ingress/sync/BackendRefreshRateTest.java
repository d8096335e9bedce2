package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "idle CPU ≈ 0": the periodic refresh of instances asks at most
 * {@value GroupSets#MAX_GROUPS_PER_SLICE} groups a slice, so an idle node's requests to the control plane do not
 * grow with its groups (at 1 000 groups, one per 5 s each made 200 requests a second). Counted over a number of
 * slices, never timed: the requests a fake control plane receives at 100 and at 10 000 groups are the same; a
 * round still asks every group once; a hinted fetch (a changed route, an {@code instance.status_changed}) asks
 * its groups at once, not at the refresh's pace.
 */
class BackendRefreshRateTest {

  static final int SLICES_PER_PERIOD = GroupSets.slices(5_000);
  static final ControlPlaneClient.Instances READY =
      new ControlPlaneClient.Instances(List.of("fd00::1", "fd00::2"), List.of());

  Vertx vertx;
  Context context;
  final List<InstanceGroup> asked = Collections.synchronizedList(new ArrayList<>());
  final AtomicLong clock = new AtomicLong(1_000_000);
  BackendRefresh refresh;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    GroupFetcher fetcher = new GroupFetcher(g -> {
      asked.add(g); // the fake control plane's count of instance requests
      Promise<ControlPlaneClient.Instances> answer = Promise.promise();
      context.runOnContext(v -> answer.complete(READY)); // answered later, as a response is
      return answer.future();
    }, 8, 1_000, clock::get, (g, e) -> { });
    refresh = new BackendRefresh(vertx, fetcher, new DroppedInstances(new IngressMetrics(new SimpleMeterRegistry())),
        clock::get, () -> () -> { });
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void theRefreshAsksAsManyGroupsPerSliceAtTenThousandGroupsAsAtOneHundred() {
    int slices = 4 * SLICES_PER_PERIOD;

    int atHundred = requestsOver(state(100), slices);
    asked.clear();
    int atTenThousand = requestsOver(state(10_000), slices);

    assertThat(atHundred).as("100 groups, %d slices: each group once per period", slices).isEqualTo(4 * 100);
    assertThat(atTenThousand).as("10 000 groups over %d slices", slices).isEqualTo(atHundred);
    assertThat(atTenThousand).isLessThanOrEqualTo(slices * GroupSets.MAX_GROUPS_PER_SLICE);
  }

  @Test
  void aRoundOfTheRefreshAsksEveryGroupOnce() {
    ControlPlaneState state = state(1_000);
    int round = GroupSets.slicesPerRound(1_000, SLICES_PER_PERIOD);

    requestsOver(state, round);

    assertThat(asked).hasSize(1_000);
    assertThat(new HashSet<>(asked)).hasSize(1_000);
  }

  @Test
  void aHintedFetchAsksItsGroupsAtOnceWhateverThePaceOfTheRefresh() {
    ControlPlaneState state = state(10_000);
    requestsOver(state, 3);
    asked.clear();
    Set<String> env = Set.of(routeId(9_999), routeId(4_321));

    onContext(() -> refresh.fetch(state, () -> GroupSets.byGroup(state, env), Set.of()));

    assertThat(asked).containsExactlyInAnyOrder(group(9_999), group(4_321));
  }

  /** The requests the control plane receives over {@code slices} slices of the periodic refresh of {@code state}. */
  int requestsOver(ControlPlaneState state, int slices) {
    int before = asked.size();
    for (int i = 0; i < slices; i++) {
      onContext(() -> refresh.refreshSlice(state, SLICES_PER_PERIOD));
    }
    return asked.size() - before;
  }

  /** Runs {@code step} on the context, as the sync verticle does, and waits for its result. */
  ControlPlaneState onContext(Callable<Future<ControlPlaneState>> step) {
    return Future.<ControlPlaneState>future(p -> context.runOnContext(v -> {
      try {
        step.call().onComplete(p);
      } catch (Exception e) {
        p.fail(e);
      }
    })).await();
  }

  static String routeId(int i) {
    return "rt_" + i;
  }

  static InstanceGroup group(int i) {
    return new InstanceGroup("app_" + i, "env_" + i, "web");
  }

  /** {@code groups} environments with one route each, every route already with its two backends. */
  static ControlPlaneState state(int groups) {
    Map<String, CpRoute> routes = new HashMap<>();
    Map<String, List<Backend>> backends = new HashMap<>();
    for (int i = 0; i < groups; i++) {
      String id = routeId(i);
      routes.put(id, new CpRoute(id, "app_" + i, "env_" + i, "r" + i + ".rate.test", 443, Protocol.TLS_PASSTHROUGH,
          "web", 9443, false, false, false, null, i + 1));
      backends.put(id, List.of(new Backend("fd00::1", 9443), new Backend("fd00::2", 9443)));
    }
    return ControlPlaneState.restore(groups, routes, Map.of(), backends, Map.of(), Map.of(), Map.of(), Set.of());
  }
}
