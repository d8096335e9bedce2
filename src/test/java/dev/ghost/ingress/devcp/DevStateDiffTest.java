package dev.ghost.ingress.devcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** File → events: what a state change emits, with only the changed fields in a route.updated. */
class DevStateDiffTest {

  static final DevState.Env ENV = new DevState.Env("env_1", "app_1", null);
  static final DevState.Route ROUTE = new DevState.Route("rt_1", "app_1", "env_1", "shop.example.com", 443,
      DevState.TLS_PASSTHROUGH, "web", 8443, DevState.PROXY_V2, false);
  static final DevState.Instance INST = new DevState.Instance("inst_1", "app_1", "env_1", "web", "fd00::7",
      "ready", "node_1");

  static DevState base() {
    return DevState.empty("org_1", "t").withEnv(ENV).withRoute(ROUTE).withInstance(INST);
  }

  @Test
  void firstStartCreatesEverything() {
    DevState s = base().withEnv(new DevState.Env("env_1", "app_1", "192.0.2.10"));
    List<StateDiff.Change> changes = StateDiff.diff(DevState.empty("org_1", "t"), s);
    assertThat(changes).extracting(StateDiff.Change::eventType)
        .containsExactly("env.ipv4_addon_enabled", "route.created", "instance.status_changed");
    JsonObject created = changes.get(1).payload();
    assertThat(created.fieldNames()).containsExactlyInAnyOrder("route_id", "org_id", "app_id", "env_id",
        "hostname", "listen_port", "protocol_hint", "backend_process_type", "backend_port", "proxy_protocol",
        "backend_expects_proxy_protocol", "ipv4_required", "env_ipv4_address");
    assertThat(created.getString("env_ipv4_address")).isEqualTo("192.0.2.10");
    assertThat(created.getBoolean("backend_expects_proxy_protocol")).isTrue();
    assertThat(changes.get(2).payload().getString("overlay_ipv6")).isEqualTo("fd00::7/128");
    assertThat(changes.get(2).envId()).isEqualTo("env_1");
  }

  @Test
  void sameStateEmitsNothing() {
    assertThat(StateDiff.diff(base(), base())).isEmpty();
  }

  @Test
  void updateCarriesOnlyTheChangedFields() {
    DevState after = base().withRoute(new DevState.Route("rt_1", "app_1", "env_1", "shop.example.com", 443,
        DevState.TLS_PASSTHROUGH, "web", 9443, DevState.PROXY_V2, false));
    List<StateDiff.Change> changes = StateDiff.diff(base(), after);
    assertThat(changes).singleElement().satisfies(c -> {
      assertThat(c.eventType()).isEqualTo("route.updated");
      assertThat(c.payload()).isEqualTo(new JsonObject().put("route_id", "rt_1").put("org_id", "org_1")
          .put("env_id", "env_1").put("backend_port", 9443));
    });
  }

  @Test
  void proxyModeChangeCarriesTheImpliedFlag() {
    DevState after = base().withRoute(new DevState.Route("rt_1", "app_1", "env_1", "shop.example.com", 443,
        DevState.TLS_PASSTHROUGH, "worker", 8443, DevState.PROXY_OFF, false));
    JsonObject p = StateDiff.diff(base(), after).get(0).payload();
    assertThat(p.getString("proxy_protocol")).isEqualTo("off");
    assertThat(p.getBoolean("backend_expects_proxy_protocol")).isFalse();
    assertThat(p.getString("backend_process_type")).isEqualTo("worker");
    assertThat(p.containsKey("backend_port")).isFalse();
  }

  @Test
  void hostnameChangeRecreatesTheRoute() {
    DevState after = base().withRoute(new DevState.Route("rt_1", "app_1", "env_1", "new.example.com", 443,
        DevState.TLS_PASSTHROUGH, "web", 8443, DevState.PROXY_V2, false));
    List<StateDiff.Change> changes = StateDiff.diff(base(), after);
    assertThat(changes).extracting(StateDiff.Change::eventType).containsExactly("route.deleted", "route.created");
    assertThat(changes.get(0).payload()).isEqualTo(new JsonObject().put("route_id", "rt_1").put("org_id", "org_1")
        .put("env_id", "env_1").put("hostname", "shop.example.com"));
  }

  @Test
  void deletion() {
    List<StateDiff.Change> changes = StateDiff.diff(base(), base().withoutRoute("rt_1"));
    assertThat(changes).singleElement().extracting(StateDiff.Change::eventType).isEqualTo("route.deleted");
  }

  @Test
  void envIpv4OnChangeOff() {
    DevState on = base().withEnv(new DevState.Env("env_1", "app_1", "192.0.2.10"));
    DevState moved = base().withEnv(new DevState.Env("env_1", "app_1", "192.0.2.11"));
    List<StateDiff.Change> enabled = StateDiff.diff(base(), on);
    assertThat(enabled).singleElement().satisfies(c -> {
      assertThat(c.eventType()).isEqualTo("env.ipv4_addon_enabled");
      assertThat(c.payload().fieldNames()).containsExactlyInAnyOrder("env_id", "org_id", "app_id", "allocation_id",
          "ipv4_address");
      assertThat(c.payload().getString("allocation_id")).startsWith("ipv4_");
    });
    assertThat(StateDiff.diff(on, moved)).extracting(c -> c.eventType() + " " + c.payload().getString("ipv4_address"))
        .containsExactly("env.ipv4_addon_disabled 192.0.2.10", "env.ipv4_addon_enabled 192.0.2.11");
    List<StateDiff.Change> disabled = StateDiff.diff(on, base().withoutEnv("env_1"));
    assertThat(disabled.get(0).eventType()).isEqualTo("env.ipv4_addon_disabled");
    assertThat(disabled.get(0).payload().getString("allocation_id"))
        .isEqualTo(enabled.get(0).payload().getString("allocation_id"));
    // a route created later is stamped with the address of that moment; the route is not re-stamped on a change
    assertThat(StateDiff.diff(on, moved)).noneMatch(c -> c.aggregateType().equals("route"));
  }

  @Test
  void instanceChanges() {
    List<StateDiff.Change> status = StateDiff.diff(base(), base().withInstance(INST.withStatus("draining")));
    assertThat(status).singleElement().satisfies(c -> {
      assertThat(c.eventType()).isEqualTo("instance.status_changed");
      assertThat(c.payload().getString("status")).isEqualTo("draining");
      assertThat(c.payload().getString("previous_status")).isEqualTo("ready");
      assertThat(c.payload().getString("env_id")).isEqualTo("env_1");
    });
    List<StateDiff.Change> removed = StateDiff.diff(base(), base().withoutInstance("inst_1"));
    assertThat(removed).singleElement().satisfies(c -> assertThat(c.payload().getBoolean("removed")).isTrue());
  }

  @Test
  void ipv4RequiredTurningOnStampsTheAddress() {
    DevState on = base().withEnv(new DevState.Env("env_1", "app_1", "192.0.2.10"));
    DevState required = on.withRoute(new DevState.Route("rt_1", "app_1", "env_1", "shop.example.com", 443,
        DevState.TLS_PASSTHROUGH, "web", 8443, DevState.PROXY_V2, true));
    JsonObject p = StateDiff.diff(on, required).get(0).payload();
    assertThat(p.getBoolean("ipv4_required")).isTrue();
    assertThat(p.getString("env_ipv4_address")).isEqualTo("192.0.2.10");
  }
}
