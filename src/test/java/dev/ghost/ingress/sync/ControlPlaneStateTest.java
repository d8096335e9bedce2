package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.RouteSpec;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Conflict;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.Scope;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlPlaneStateTest {

  static CpRoute route(String id, String env, String host, int port, long createdId) {
    return new CpRoute(id, "app_1", env, host, port, Protocol.TLS_PASSTHROUGH, "web", 8443, false, false, false,
        null, createdId);
  }

  static CpEvent created(long id, String routeId, String host) {
    return new CpEvent.RouteCreated(id, route(routeId, "env_1", host, 443, id));
  }

  static ControlPlaneState.Applied apply(ControlPlaneState s, CpEvent... events) {
    return s.apply(List.of(events));
  }

  @Test
  void routeLifecycle_createUpdateDelete_fromTheContractPage() {
    List<CpEvent> page = EventDecoderTest.contractPage();

    CpEvent.RouteCreated create = (CpEvent.RouteCreated) page.get(0);
    ControlPlaneState.Applied a1 = ControlPlaneState.EMPTY.apply(page.subList(0, 1));
    assertThat(a1.next().routes()).containsOnlyKeys("rt_01JFX");
    assertThat(a1.routesNeedingInstances()).containsExactly("rt_01JFX");
    assertThat(a1.next().cursor()).isEqualTo(42);

    ControlPlaneState withSet = a1.next().withBackends("rt_01JFX", List.of(new Backend("fd5a::7", 8443)));
    ControlPlaneState.Applied a2 = withSet.apply(page.subList(1, 2));
    CpRoute updated = a2.next().routes().get("rt_01JFX");
    // Only backend_port was present: everything else stays as created.
    assertThat(updated).isEqualTo(new CpRoute("rt_01JFX", "app_01JFW", "env_01JFW", "shop.example.com", 443,
        Protocol.TLS_PASSTHROUGH, "web", 9443, true, true, false, null, 42));
    assertThat(updated).isEqualTo(new RoutePatch(null, 9443, null, null, null, null).apply(create.route()));
    assertThat(a2.routesNeedingInstances()).containsExactly("rt_01JFX");
    assertThat(a2.next().backends().get("rt_01JFX")).containsExactly(new Backend("fd5a::7", 9443));

    ControlPlaneState.Applied a3 = a2.next().apply(page.subList(2, 3));
    assertThat(a3.next().routes()).isEmpty();
    assertThat(a3.next().backends()).isEmpty();
    assertThat(a3.next().cursor()).isEqualTo(44);
    assertThat(a3.routesNeedingInstances()).isEmpty();
  }

  @Test
  void updateThatDoesNotTouchTheBackendSetNeedsNoFetch() {
    ControlPlaneState s = apply(ControlPlaneState.EMPTY, created(1, "rt", "a.example")).next();
    ControlPlaneState.Applied a = apply(s, new CpEvent.RouteUpdated(2, "rt", new RoutePatch(null, null, true, null, null,
        null)));
    assertThat(a.routesNeedingInstances()).isEmpty();
    assertThat(a.next().routes().get("rt").proxyV2()).isTrue();

    ControlPlaneState.Applied b = apply(a.next(), new CpEvent.RouteUpdated(3, "rt", new RoutePatch("worker", null, null,
        null, null, null)));
    assertThat(b.routesNeedingInstances()).containsExactly("rt");
  }

  @Test
  void replayingABatchTwiceChangesNothing() {
    List<CpEvent> batch = new ArrayList<>(EventDecoderTest.contractPage().subList(0, 2));
    batch.add(created(45, "rt_2", "b.example"));
    batch.add(new CpEvent.EnvIpv4Enabled(46, "env_1", "app_1", "203.0.113.7"));
    batch.add(new CpEvent.Rejected(47, "route.created", "listen_port is 0 or missing"));
    batch.add(new CpEvent.InstanceStatusChanged(48, null));

    ControlPlaneState.Applied once = ControlPlaneState.EMPTY.apply(batch);
    ControlPlaneState.Applied twice = once.next().apply(batch);

    assertThat(once.rejected()).isEqualTo(1);
    assertThat(twice.next()).isSameAs(once.next());
    assertThat(twice.next()).isEqualTo(once.next());
    assertThat(twice.rejected()).isZero();
    assertThat(twice.routesNeedingInstances()).isEmpty();
    assertThat(twice.refreshAll()).isFalse();
  }

  @Test
  void replayWithoutTheIdMemoryIsStillIdempotent() {
    // Even when the applied-id memory no longer holds the events, aggregate versions keep replays harmless.
    List<CpEvent> batch = List.of(created(1, "rt", "a.example"),
        new CpEvent.RouteUpdated(2, "rt", new RoutePatch(null, 9000, null, null, null, null)),
        new CpEvent.RouteUpdated(3, "rt", new RoutePatch(null, 9001, null, null, null, null)),
        new CpEvent.EnvIpv4Enabled(4, "env_1", null, "203.0.113.7"));
    ControlPlaneState s = ControlPlaneState.EMPTY.apply(batch).next();
    List<CpEvent> filler = new ArrayList<>();
    for (long id = 10; id < 10 + ControlPlaneState.APPLIED_ID_WINDOW; id++) {
      filler.add(new CpEvent.Ignored(id, "noise"));
    }
    s = s.apply(filler).next();

    ControlPlaneState replayed = s.apply(batch).next();

    assertThat(replayed.sameContent(s)).isTrue();
    assertThat(replayed.routes().get("rt").backendPort()).isEqualTo(9001);
  }

  @Test
  void anOldCreateReplayedAfterTheDeleteDoesNotResurrect() {
    ControlPlaneState s = apply(ControlPlaneState.EMPTY, created(10, "rt", "a.example"),
        new CpEvent.RouteDeleted(11, "rt")).next();
    // Push the ids out of the applied-id memory, so only the tombstone can stop the replay.
    List<CpEvent> filler = new ArrayList<>();
    for (long id = 100; id < 100 + ControlPlaneState.APPLIED_ID_WINDOW; id++) {
      filler.add(new CpEvent.Ignored(id, "noise"));
    }
    s = s.apply(filler).next();

    ControlPlaneState.Applied a = apply(s, created(10, "rt", "a.example"),
        new CpEvent.RouteUpdated(10, "rt", new RoutePatch(null, 1, null, null, null, null)));

    assertThat(a.next().routes()).isEmpty();
    assertThat(a.routesNeedingInstances()).isEmpty();
  }

  @Test
  void deleteSeenBeforeItsCreate_routeNeverAppears() {
    ControlPlaneState.Applied a = apply(ControlPlaneState.EMPTY, new CpEvent.RouteDeleted(11, "rt"),
        created(10, "rt", "a.example"));
    assertThat(a.next().routes()).isEmpty();
    assertThat(a.next().cursor()).isEqualTo(11);
  }

  @Test
  void outOfOrderIds_gapHealedByTrailingReread_appliesOnce() {
    // The feed first delivers 10, 12, 13 (11 committed late); the trailing re-read returns 10..13.
    CpEvent e10 = created(10, "rt_a", "a.example");
    CpEvent e11 = created(11, "rt_b", "b.example");
    CpEvent e12 = new CpEvent.RouteUpdated(12, "rt_a", new RoutePatch(null, 9000, null, null, null, null));
    CpEvent e13 = new CpEvent.InstanceStatusChanged(13, "env_1");

    ControlPlaneState.Applied first = apply(ControlPlaneState.EMPTY, e10, e12, e13);
    assertThat(first.next().routes()).containsOnlyKeys("rt_a");
    assertThat(first.next().cursor()).isEqualTo(13);
    assertThat(first.next().rereadAfterEventId()).isZero();

    ControlPlaneState.Applied heal = apply(first.next(), e10, e11, e12, e13);

    assertThat(heal.next().routes()).containsOnlyKeys("rt_a", "rt_b");
    assertThat(heal.next().routes().get("rt_a").backendPort()).isEqualTo(9000);
    assertThat(heal.routesNeedingInstances()).containsExactly("rt_b");
    assertThat(heal.envsToRefresh()).isEmpty(); // 13 was already applied
    assertThat(heal.next().cursor()).isEqualTo(13);
    assertThat(apply(heal.next(), e10, e11, e12, e13).next()).isSameAs(heal.next());
  }

  @Test
  void outOfOrderPatchesCommutePerField() {
    ControlPlaneState base = apply(ControlPlaneState.EMPTY, created(1, "rt", "a.example")).next();
    CpEvent p2 = new CpEvent.RouteUpdated(2, "rt", new RoutePatch("worker", 9000, null, null, null, null));
    CpEvent p3 = new CpEvent.RouteUpdated(3, "rt", new RoutePatch(null, 9001, null, null, null, null));

    ControlPlaneState inOrder = apply(base, p2, p3).next();
    ControlPlaneState reversed = apply(base, p3, p2).next();

    assertThat(reversed.routes()).isEqualTo(inOrder.routes());
    assertThat(inOrder.routes().get("rt").processType()).isEqualTo("worker");
    assertThat(inOrder.routes().get("rt").backendPort()).isEqualTo(9001);
  }

  @Test
  void patchBeforeItsCreateIsHeldAndAppliedOnCreate() {
    ControlPlaneState.Applied early = apply(ControlPlaneState.EMPTY,
        new CpEvent.RouteUpdated(12, "rt", new RoutePatch(null, 9000, null, null, null, null)));
    assertThat(early.next().routes()).isEmpty();

    ControlPlaneState.Applied late = apply(early.next(), created(10, "rt", "a.example"));
    assertThat(late.next().routes().get("rt").backendPort()).isEqualTo(9000);
    assertThat(late.next().routes().get("rt").createdEventId()).isEqualTo(10);
  }

  @Test
  void envIpv4EnableDisableAndOrdering() {
    ControlPlaneState.Applied on = apply(ControlPlaneState.EMPTY,
        new CpEvent.EnvIpv4Enabled(5, "env_1", "app_1", "203.0.113.7"));
    assertThat(on.next().envIpv4()).containsExactly(java.util.Map.entry("env_1", "203.0.113.7"));
    assertThat(on.next().envBindings().get("env_1").enabledEventId()).isEqualTo(5);

    // Re-stating the same address keeps the claim's seniority.
    ControlPlaneState again = apply(on.next(), new CpEvent.EnvIpv4Enabled(6, "env_1", "app_1", "203.0.113.7"))
        .next();
    assertThat(again.envBindings().get("env_1").enabledEventId()).isEqualTo(5);

    ControlPlaneState off = apply(again, new CpEvent.EnvIpv4Disabled(7, "env_1", "203.0.113.7")).next();
    assertThat(off.envIpv4()).isEmpty();

    // A late, older enable does not bring it back; a newer one does, with the new rank.
    assertThat(apply(off, new CpEvent.EnvIpv4Enabled(4, "env_1", "app_1", "203.0.113.9")).next().envIpv4())
        .isEmpty();
    ControlPlaneState back = apply(off, new CpEvent.EnvIpv4Enabled(8, "env_1", "app_1", "203.0.113.9")).next();
    assertThat(back.envBindings().get("env_1")).isEqualTo(new EnvBinding("env_1", "app_1", "203.0.113.9", 8));
  }

  @Test
  void instanceStatusChangedAsksForRefreshes() {
    ControlPlaneState.Applied a = apply(ControlPlaneState.EMPTY, created(1, "rt_a", "a.example"),
        new CpEvent.InstanceStatusChanged(2, "env_1"), new CpEvent.InstanceStatusChanged(3, null));
    assertThat(a.envsToRefresh()).containsExactly("env_1");
    assertThat(a.refreshAll()).isTrue();
    assertThat(a.next().routeIdsOfEnvs(a.envsToRefresh())).containsExactly("rt_a");
  }

  @Test
  void ignoredAndRejectedEventsAdvanceTheCursor() {
    ControlPlaneState.Applied a = apply(ControlPlaneState.EMPTY, new CpEvent.Ignored(5, "app.renamed"),
        new CpEvent.Rejected(9, "route.created", "bad"));
    assertThat(a.next().cursor()).isEqualTo(9);
    assertThat(a.rejected()).isEqualTo(1);
  }

  @Test
  void withBackends_sortsAndIgnoresUnknownRoutes() {
    ControlPlaneState s = apply(ControlPlaneState.EMPTY, created(1, "rt", "a.example")).next();
    ControlPlaneState b = s.withBackends("rt", List.of(new Backend("fd::2", 8443), new Backend("fd::1", 8443),
        new Backend("fd::2", 8443)));
    assertThat(b.backends().get("rt")).containsExactly(new Backend("fd::1", 8443), new Backend("fd::2", 8443));
    assertThat(b.withBackends("nope", List.of())).isSameAs(b);
    assertThat(b.sameContent(s)).isFalse();
  }

  // ---- toTable

  static RouteSpec staticTls(String id, String host, int port, String env) {
    return new RouteSpec(id, host, port, "tls_passthrough", "off", List.of(), List.of(HostPort.parse("10.0.0.1:443")),
        env, false, null, null, null);
  }

  @Test
  void toTable_staticWinsOverControlPlane() {
    ControlPlaneState s = apply(ControlPlaneState.EMPTY, created(1, "rt_cp", "shop.example.com")).next();

    RouteTable t = s.toTable(7, PortPolicy.DEFAULT, List.of(), List.of(staticTls("st", "shop.example.com", 443,
        null)));

    assertThat(t.version()).isEqualTo(7);
    assertThat(t.routes()).extracting(Route::id).containsExactly("st");
    assertThat(t.conflicts()).containsExactly(new Conflict(Scope.SHARED, 443, "shop.example.com", "st", "rt_cp"));
  }

  @Test
  void toTable_olderControlPlaneRouteWins_andCarriesBackendsAndProxy() {
    ControlPlaneState s = apply(ControlPlaneState.EMPTY,
        new CpEvent.RouteCreated(20, new CpRoute("young", "app_1", "env_1", "shop.example.com", 443,
            Protocol.TLS_PASSTHROUGH, "web", 8443, false, false, false, null, 20)),
        new CpEvent.RouteCreated(10, new CpRoute("old", "app_1", "env_1", "Shop.Example.com.", 443,
            Protocol.TLS_PASSTHROUGH, "web", 8443, true, false, false, null, 10))).next()
        .withBackends("old", List.of(new Backend("fd::1", 8443)));

    RouteTable t = s.toTable(1, PortPolicy.DEFAULT, List.of(), List.of());

    assertThat(t.routes()).extracting(Route::id).containsExactly("old");
    assertThat(t.conflicts()).extracting(Conflict::winnerId, Conflict::loserId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("old", "young"));
    Route old = t.route("old");
    assertThat(old.backends()).containsExactly(new Backend("fd::1", 8443));
    assertThat(old.proxyProtocol().v2()).isTrue();
    assertThat(old.rank()).isEqualTo(10);
  }

  @Test
  void toTable_envIpv4Ownership_olderClaimWins_staticFirst() {
    ControlPlaneState s = apply(ControlPlaneState.EMPTY,
        new CpEvent.EnvIpv4Enabled(30, "env_b", null, "203.0.113.7"),
        new CpEvent.EnvIpv4Enabled(20, "env_a", null, "203.0.113.7"),
        new CpEvent.EnvIpv4Enabled(25, "env_c", null, "198.51.100.1"),
        created(40, "rt_a", "a.example")).next();

    RouteTable cpOnly = s.toTable(1, PortPolicy.DEFAULT, List.of(), List.of());
    assertThat(cpOnly.envIpv4()).containsEntry("env_a", "203.0.113.7").doesNotContainKey("env_b");
    assertThat(cpOnly.degradedEnvs()).containsExactly("env_b");
    assertThat(cpOnly.envIpv4()).containsEntry("env_c", "198.51.100.1");

    RouteTable withStatic = s.toTable(1, PortPolicy.DEFAULT, List.of(new EnvSpec("env_static", "198.51.100.1")),
        List.of());
    assertThat(withStatic.envIpv4()).containsEntry("env_static", "198.51.100.1").doesNotContainKey("env_c");
    assertThat(withStatic.degradedEnvs()).contains("env_c");
  }

  // ---- content identity

  @Test
  void contentHash_stableAcrossKeyOrderAndEventOrder() {
    JsonObject a = EventDecoderTest.legacyCreated("rt_1");
    JsonObject reversedKeys = new JsonObject();
    List<String> keys = new ArrayList<>(a.fieldNames());
    Collections.reverse(keys);
    keys.forEach(k -> reversedKeys.put(k, a.getValue(k)));

    CpEvent env = new CpEvent.EnvIpv4Enabled(2, "env_1", "app_1", "203.0.113.7");
    ControlPlaneState s1 = ControlPlaneState.EMPTY.apply(List.of(
        EventDecoder.fromFeedItem(EventDecoderTest.item(1, "route.created", a)), env)).next();
    ControlPlaneState s2 = ControlPlaneState.EMPTY.apply(List.of(env,
        EventDecoder.fromFeedItem(EventDecoderTest.item(1, "route.created", reversedKeys)))).next();

    assertThat(s1.contentHash()).isEqualTo(s2.contentHash()).matches("[0-9a-f]{64}");
    assertThat(s1.sameContent(s2)).isTrue();
    ControlPlaneState s3 = s1.withBackends("rt_1", List.of(new Backend("fd::1", 8443)));
    assertThat(s3.contentHash()).isNotEqualTo(s1.contentHash());
    // The cursor is not content.
    assertThat(s1.apply(List.of(new CpEvent.Ignored(99, "x"))).next().contentHash()).isEqualTo(s1.contentHash());
  }

  @Test
  void fullRebuildCarriesBackendsAndComparesByContent() {
    List<CpEvent> history = List.of(created(1, "rt", "a.example"));
    ControlPlaneState live = ControlPlaneState.EMPTY.apply(history).next()
        .withBackends("rt", List.of(new Backend("fd::1", 8443)));

    ControlPlaneState rebuilt = ControlPlaneState.EMPTY.apply(history).next().withBackendsFrom(live);

    assertThat(rebuilt.sameContent(live)).isTrue();
  }
}
