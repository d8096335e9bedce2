package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A {@link StateDelta} turns one state into the other exactly (bookkeeping included), survives its JSON form, and
 * stays the size of the change whatever the size of the table.
 */
class StateDeltaTest {

  @Test
  void applyingTheDiffOfRandomStatesGivesTheTargetWithItsHash() {
    Random rnd = new Random(11);
    for (int round = 0; round < 300; round++) {
      ControlPlaneState a = random(rnd, rnd.nextInt(40));
      ControlPlaneState b = rnd.nextBoolean() ? random(rnd, rnd.nextInt(40)) : mutate(rnd, a);
      StateDelta delta = StateDelta.diff(a, b);
      ControlPlaneState applied = delta.applyTo(a);
      assertThat(applied).as("round " + round).isEqualTo(b);
      assertThat(applied.contentHash()).isEqualTo(b.contentHash());
      StateDelta wire = StateDelta.fromJson(new JsonObject(delta.toJson().encode()));
      assertThat(wire.applyTo(a)).as("round " + round + " over JSON").isEqualTo(b);
    }
  }

  @Test
  void theDiffOfAStateWithItselfIsEmpty() {
    ControlPlaneState a = random(new Random(3), 30);
    assertThat(StateDelta.diff(a, a).isEmpty()).isTrue();
    assertThat(StateDelta.diff(a, a).applyTo(a)).isEqualTo(a);
  }

  @Test
  void oneChangeEncodesToTheSameSizeAtOneHundredAndTenThousandRoutes() {
    int small = oneChangeBytes(100);
    int large = oneChangeBytes(10_000);
    // the route ids differ in length (rt_99 vs rt_9999): allow a few bytes, not a factor of 100
    assertThat(large).isLessThan(small + 64);
    assertThat(small).isLessThan(2_000);
  }

  @Test
  void aDeltaThatDoesNotFitItsBaseIsRefused() {
    ControlPlaneState a = random(new Random(5), 10);
    ControlPlaneState b = a.withBackends(a.routes().keySet().iterator().next(), List.of(new Backend("fd00::9", 9)));
    StateDelta delta = StateDelta.diff(a, b);
    // a base without that route: a backend set for an unknown route is not a valid state
    assertThatThrownBy(() -> delta.applyTo(ControlPlaneState.EMPTY)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StateDelta.fromJson(new JsonObject().put("cursor", 1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The encoded delta of one new backend set and one new event id on a table of {@code n} routes. */
  private static int oneChangeBytes(int n) {
    Map<String, CpRoute> routes = new HashMap<>();
    Map<String, List<Backend>> backends = new HashMap<>();
    List<Long> applied = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      CpRoute r = route("rt_" + i, i + 1, 9443);
      routes.put(r.routeId(), r);
      backends.put(r.routeId(), List.of(new Backend("fd00::1", 9443)));
      applied.add((long) i + 1);
    }
    ControlPlaneState a = ControlPlaneState.restore(n, routes, Map.of(), backends, Map.of(), Map.of(), Map.of(),
        applied);
    routes.put("rt_new", route("rt_new", n + 1, 9443));
    applied.add((long) n + 1);
    ControlPlaneState b = ControlPlaneState.restore(n + 1, routes, Map.of(), backends, Map.of(), Map.of(),
        Map.of(), applied);
    return StateDelta.diff(a, b).toJson().encode().length();
  }

  private static CpRoute route(String id, long createdId, int backendPort) {
    return new CpRoute(id, "app_1", "env_" + (createdId % 7), id + ".example.com", 443, Protocol.TLS_PASSTHROUGH,
        "web", backendPort, false, false, false, null, createdId);
  }

  /** A valid state of up to {@code n} routes drawn from a small id pool, with every kind of bookkeeping. */
  static ControlPlaneState random(Random rnd, int n) {
    Map<String, CpRoute> routes = new HashMap<>();
    Map<String, List<Backend>> backends = new HashMap<>();
    Map<String, Map<RoutePatch.Field, Long>> versions = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String id = "rt_" + rnd.nextInt(60);
      routes.put(id, route(id, 1 + rnd.nextInt(500), 1 + rnd.nextInt(3)));
      if (rnd.nextBoolean()) {
        backends.put(id, List.of(new Backend("fd00::" + rnd.nextInt(4), 9000 + rnd.nextInt(3))));
      }
      if (rnd.nextInt(3) == 0) {
        Map<RoutePatch.Field, Long> fv = new EnumMap<>(RoutePatch.Field.class);
        fv.put(RoutePatch.Field.values()[rnd.nextInt(RoutePatch.Field.values().length)], 1L + rnd.nextInt(900));
        versions.put(id, fv);
      }
    }
    Map<String, EnvBinding> envs = new HashMap<>();
    Map<String, Long> envEvents = new HashMap<>();
    for (int i = 0; i < rnd.nextInt(6); i++) {
      String env = "env_" + rnd.nextInt(8);
      envs.put(env, new EnvBinding(env, "app_1", "203.0.113." + rnd.nextInt(9), 1 + rnd.nextInt(300)));
      envEvents.put(env, 1L + rnd.nextInt(300));
    }
    Map<String, Long> tombstones = new HashMap<>();
    for (int i = 0; i < rnd.nextInt(5); i++) {
      tombstones.put("rt_" + (100 + rnd.nextInt(20)), 1L + rnd.nextInt(800));
    }
    Set<Long> applied = new HashSet<>();
    for (int i = 0; i < rnd.nextInt(30); i++) {
      applied.add(1L + rnd.nextInt(1000));
    }
    return ControlPlaneState.restore(rnd.nextInt(2000), routes, envs, backends, versions, envEvents, tombstones,
        applied);
  }

  /** {@code a} with a few random changes: what one leader batch does. */
  private static ControlPlaneState mutate(Random rnd, ControlPlaneState a) {
    Map<String, CpRoute> routes = new HashMap<>(a.routes());
    Map<String, List<Backend>> backends = new HashMap<>(a.backends());
    Map<String, Map<RoutePatch.Field, Long>> versions = new HashMap<>(a.fieldVersions());
    if (!routes.isEmpty() && rnd.nextBoolean()) {
      String gone = routes.keySet().iterator().next();
      routes.remove(gone);
      backends.remove(gone);
      versions.remove(gone);
    }
    String id = "rt_" + rnd.nextInt(60);
    routes.put(id, route(id, 1 + rnd.nextInt(500), 2));
    backends.put(id, List.of(new Backend("fd00::7", 9001)));
    Map<String, Long> tombstones = new HashMap<>(a.tombstones());
    tombstones.put("rt_gone_" + rnd.nextInt(3), 5L);
    Set<Long> applied = new HashSet<>(a.appliedIds());
    applied.add(a.cursor() + 1);
    if (!applied.isEmpty() && rnd.nextBoolean()) {
      applied.remove(applied.iterator().next());
    }
    return ControlPlaneState.restore(a.cursor() + 1, routes, a.envBindings(), backends, versions,
        a.envEventIds(), tombstones, applied);
  }
}
