package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 11, items 3, 5 and 6: a dev control plane serving {@value #ROUTES} routes over {@value #GROUPS}
 * environments (one (app, env, process type) group each, 2 ready instances each). The node fetches instances once
 * per group, not per route; backs off per group on a retryable 503 instead of refetching every interval; keeps a
 * failing group's previous set while the others update; reports ready only once every route of its first table
 * has its backends (or its group's fetch failed, counted and logged); and logs repeated failures of one kind once
 * per interval with their count. Everything is asserted by counting (requests the control plane received, log
 * lines, metrics), never by timing.
 */
class InstanceGroupsIT {

  static final int GROUPS = 20;
  static final int ROUTES = 2000;
  static final Duration SLOW = Duration.ofSeconds(40);

  @TempDir
  Path dir;
  Vertx vertx;
  DevControlPlane cp;
  ListAppender<ILoggingEvent> logs;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    cp = SyncFixture.startPlane(vertx, dir, null);
    cp.edit(InstanceGroupsIT::manyRoutes);
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(SyncVerticle.class)).addAppender(logs);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(SyncVerticle.class)).detachAppender(logs);
    cp.chaos().reset();
    vertx.close().await();
  }

  static String env(int group) {
    return "env_g%02d".formatted(group);
  }

  static List<String> envs() {
    return IntStream.range(0, GROUPS).mapToObj(InstanceGroupsIT::env).toList();
  }

  /** {@value #GROUPS} envs of {@link SyncFixture#APP}, 2 ready web instances each, {@value #ROUTES} routes on them. */
  static DevState manyRoutes(DevState s) {
    Map<String, DevState.Env> envs = new TreeMap<>(s.envs());
    Map<String, DevState.Route> routes = new TreeMap<>(s.routes());
    Map<String, DevState.Instance> instances = new TreeMap<>(s.instances());
    for (int g = 0; g < GROUPS; g++) {
      envs.put(env(g), new DevState.Env(env(g), SyncFixture.APP, null));
      for (int i = 1; i <= 2; i++) {
        String id = "inst_g%02d_%d".formatted(g, i);
        instances.put(id, new DevState.Instance(id, SyncFixture.APP, env(g), "web",
            "fd00:%x::%d".formatted(g + 1, i), "ready", null));
      }
    }
    for (int r = 0; r < ROUTES; r++) {
      String id = "rt_%04d".formatted(r);
      routes.put(id, new DevState.Route(id, SyncFixture.APP, env(r % GROUPS), "r%04d.example.com".formatted(r), 443,
          DevState.TLS_PASSTHROUGH, "web", 9443, DevState.PROXY_OFF, false));
    }
    return new DevState(s.org(), s.token(), envs, routes, instances);
  }

  /** The web instance {@code i} (1 or 2) of {@code group} in another status. */
  static DevState instanceStatus(DevState s, int group, int i, String status) {
    return s.withInstance(s.instances().get("inst_g%02d_%d".formatted(group, i)).withStatus(status));
  }

  TestNode.Spec nodeSpec(boolean stream) {
    return SyncFixture.spec(SyncFixture.url(cp), stream);
  }

  static boolean serving(TestNode node) {
    return node.node().state().phase().name().equals("SERVING");
  }

  /** The control-plane routes in force, by id. */
  static Map<String, Route> table(TestNode node) {
    return node.node().tables().current().routes().stream()
        .collect(Collectors.toMap(Route::id, r -> r, (a, b) -> a, TreeMap::new));
  }

  /** Routes in force with {@code n} backends, among those of {@code group}. */
  static long routesWithBackends(Map<String, Route> table, int group, int n) {
    return table.values().stream().filter(r -> env(group).equals(r.envId()) && r.backends().size() == n).count();
  }

  static boolean allRoutesHaveBackends(TestNode node, int n) {
    Map<String, Route> t = table(node);
    return t.size() == ROUTES && t.values().stream().allMatch(r -> r.backends().size() == n);
  }

  List<ILoggingEvent> failureLines(String kind) {
    return logs.list.stream().filter(e -> e.getFormattedMessage().equals(FailureLog.MESSAGE))
        .filter(e -> kind.equals(value(e, "kind"))).toList();
  }

  static Object value(ILoggingEvent e, String key) {
    return e.getKeyValuePairs() == null ? null : e.getKeyValuePairs().stream()
        .filter(kv -> kv.key.equals(key)).map(kv -> kv.value).filter(Objects::nonNull).findFirst().orElse(null);
  }

  String state(TestNode node) {
    return "instance requests=" + cp.chaos().instanceRequests() + " feed requests=" + cp.chaos().feedRequests()
        + " routes=" + table(node).size() + " " + SyncFixture.errorsByKind(node);
  }

  @Test
  void instancesAreFetchedOncePerGroupNotOncePerRoute() throws Exception {
    // no periodic refresh: every instances request counted here comes from the first table or a change
    try (TestNode node = TestNode.start(nodeSpec(true).set("control_plane.backend_sync_interval", "1h"))) {
      Await.until("every route served with its 2 backends", SLOW, () -> allRoutesHaveBackends(node, 2),
          () -> state(node));
      long first = cp.chaos().instanceRequests();
      assertThat(first).as("instances requests for %d routes over %d groups", ROUTES, GROUPS)
          .isBetween((long) GROUPS, 2L * GROUPS);

      // an instance of one group leaves ready: its 100 routes follow with one request, not 100
      cp.edit(s -> instanceStatus(s, 3, 2, "draining"));
      Await.until("group 3's routes down to 1 backend", SLOW,
          () -> routesWithBackends(table(node), 3, 1) == ROUTES / GROUPS, () -> state(node));
      assertThat(cp.chaos().instanceRequests() - first).as("requests for one group's change").isBetween(1L, 2L);
      assertThat(routesWithBackends(table(node), 4, 2)).isEqualTo(ROUTES / GROUPS);
    }
  }

  @Test
  void readyOnlyOnceEveryRouteOfTheFirstTableHasItsBackends() throws Exception {
    // slow instance answers; the first feed page refused while streams break after 300 lines (a stream opened
    // at once would deliver the feed in pieces before any poll has read it); one group whose fetch fails: ready
    // must still wait for the whole feed and every group's answer
    cp.chaos().instanceLatency(Duration.ofMillis(150)).failNextFeedPages(1).dropStreamsAfter(300)
        .failInstancesOf(List.of(env(19)));
    try (TestNode node = TestNode.start(nodeSpec(true))) {
      Await.until("ready", SLOW, () -> serving(node), () -> state(node));
      Map<String, Route> atReady = table(node);

      assertThat(atReady.size()).as("routes in force at ready").isEqualTo(ROUTES);
      for (int g = 0; g < GROUPS - 1; g++) {
        assertThat(routesWithBackends(atReady, g, 2)).as("routes of %s with 2 backends at ready", env(g))
            .isEqualTo(ROUTES / GROUPS);
      }
      // the failed group: no set yet, and the failure is counted and logged
      assertThat(routesWithBackends(atReady, 19, 0)).isEqualTo(ROUTES / GROUPS);
      // (one line per kind per interval: the refused feed page may have said server_error first)
      assertThat(SyncFixture.syncErrors(node, "server_error")).as("refused page and failed group")
          .isGreaterThanOrEqualTo(2);
      assertThat(failureLines("server_error")).hasSize(1);
      // the first table this node swapped in was the whole feed, not a piece the stream had delivered
      ILoggingEvent firstTable = logs.list.stream()
          .filter(e -> e.getFormattedMessage().equals("route table applied")).findFirst().orElseThrow();
      assertThat(value(firstTable, "routes")).isEqualTo(ROUTES);

      cp.chaos().failInstancesOf(List.of());
      Await.until("the failed group served once its fetch succeeds", SLOW,
          () -> routesWithBackends(table(node), 19, 2) == ROUTES / GROUPS, () -> state(node));
    }
  }

  @Test
  void failedGroupKeepsItsPreviousSetWhileTheOthersUpdate() throws Exception {
    try (TestNode node = TestNode.start(nodeSpec(true))) {
      Await.until("every route served with its 2 backends", SLOW, () -> allRoutesHaveBackends(node, 2),
          () -> state(node));
      // every table swapped in from now on is watched, not only the one in force when the test looks
      AtomicLong fewestKept = new AtomicLong(ROUTES / GROUPS);
      Runnable unwatch = node.node().tables().onSwap(t -> fewestKept.accumulateAndGet(
          routesWithBackends(t.routes().stream().collect(Collectors.toMap(Route::id, r -> r)), 0, 2), Math::min));
      cp.chaos().failInstancesOf(List.of(env(0)));
      double failedBefore = SyncFixture.syncErrors(node, "server_error");
      cp.edit(s -> instanceStatus(instanceStatus(s, 0, 2, "stopped"), 1, 2, "stopped"));

      Await.until("group 1 updated", SLOW, () -> routesWithBackends(table(node), 1, 1) == ROUTES / GROUPS,
          () -> state(node));
      Await.until("group 0's fetch failed twice", SLOW,
          () -> SyncFixture.syncErrors(node, "server_error") >= failedBefore + 2, () -> state(node));
      unwatch.run();
      assertThat(fewestKept.get()).as("routes of group 0 with their previous 2 backends, in every table")
          .isEqualTo(ROUTES / GROUPS);
      assertThat(routesWithBackends(table(node), 0, 2)).isEqualTo(ROUTES / GROUPS);

      cp.chaos().failInstancesOf(List.of());
      Await.until("group 0 updated once its fetch succeeds", SLOW,
          () -> routesWithBackends(table(node), 0, 1) == ROUTES / GROUPS, () -> state(node));
    }
  }

  @Test
  void retryable503IsRetriedWithBackoffPerGroup() throws Exception {
    // polling only, every 200 ms, and a full refresh every 200 ms: without backoff every group would be asked
    // at every refresh (≈ GROUPS per feed poll), per route even ROUTES per poll
    try (TestNode node = TestNode.start(nodeSpec(false).set("control_plane.backend_sync_interval", "200ms"))) {
      Await.until("every route served with its 2 backends", SLOW, () -> allRoutesHaveBackends(node, 2),
          () -> state(node));
      cp.chaos().failInstancesOf(envs());
      long feedAtFailure = cp.chaos().feedRequests();
      Await.until("first retries done", SLOW, () -> cp.chaos().feedRequests() >= feedAtFailure + 5,
          () -> state(node));

      // the window: 20 feed polls (≈ 4 s at 200 ms); a group's waits double from 200-400 ms, so it is asked
      // about 3 times in it, not 20
      long instancesFrom = cp.chaos().instanceRequests();
      long feedFrom = cp.chaos().feedRequests();
      Await.until("20 feed polls", SLOW, () -> cp.chaos().feedRequests() >= feedFrom + 20, () -> state(node));
      long asked = cp.chaos().instanceRequests() - instancesFrom;

      assertThat(asked).as("instances requests over 20 polls while every group answers 503")
          .isLessThanOrEqualTo(5L * GROUPS);
      assertThat(allRoutesHaveBackends(node, 2)).as("failing groups keep their sets").isTrue();
      assertThat(serving(node)).isTrue();
    }
  }

  @Test
  void repeatedFailuresAreLoggedOncePerKindPerInterval() throws Exception {
    cp.chaos().failInstancesOf(envs());
    try (TestNode node = TestNode.start(nodeSpec(true))) {
      Await.until("ready with every group failed", SLOW, () -> serving(node), () -> state(node));
      Await.until("3 failures per group counted", SLOW,
          () -> SyncFixture.syncErrors(node, "server_error") >= 3 * GROUPS, () -> state(node));
      double failures = SyncFixture.syncErrors(node, "server_error");
      List<ILoggingEvent> lines = failureLines("server_error");

      // one line at the first failure, then at most one per 10 s interval: not one per failed request
      assertThat(lines).as("log lines for %s server_error failures", failures).hasSizeBetween(1, 2);
      int said = lines.stream().mapToInt(e -> (Integer) value(e, "count")).sum();
      assertThat(said).isLessThanOrEqualTo((int) failures);
      assertThat(value(lines.get(0), "count")).isEqualTo(1);
    }
  }
}
