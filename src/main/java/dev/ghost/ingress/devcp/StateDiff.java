package dev.ghost.ingress.devcp;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The events that turn one state into another, as the control plane would emit them. Pure: no clock, no ids.
 *
 * <p>Order within a batch: env IPv4 changes, then routes, then instances, each sorted by id. Rules:
 * <ul>
 *   <li>An env's dedicated IPv4 appearing is {@code env.ipv4_addon_enabled}, disappearing (or the env going) is
 *       {@code env.ipv4_addon_disabled}, changing is both (disabled old, enabled new). The allocation id is derived
 *       from env and address, so enable and disable of one allocation carry the same one.
 *   <li>A new route is {@code route.created} with every field; {@code env_ipv4_address} is stamped with the env's
 *       IPv4 at that moment (and never re-stamped when the env's address changes later, as on the live plane).
 *   <li>A route whose hostname, listen port, protocol, app or env changed is deleted and created again (those never
 *       change in place); otherwise a change is {@code route.updated} carrying only the changed fields among
 *       {@code backend_process_type, backend_port, proxy_protocol, backend_expects_proxy_protocol, ipv4_required}
 *       and, when {@code ipv4_required} turns on in an env with an IPv4, {@code env_ipv4_address}.
 *   <li>Any instance added, removed or changed is {@code instance.status_changed}; its payload names the instance,
 *       its env and app, status, previous status, overlay address (with {@code /128}), node and {@code removed}.
 * </ul>
 */
public final class StateDiff {

  /**
   * One event to emit, before it gets an id and a time.
   *
   * @param eventType event type
   * @param aggregateType route, env or instance
   * @param aggregateId its id
   * @param appId application id
   * @param envId environment id
   * @param payload canonical payload
   */
  public record Change(String eventType, String aggregateType, String aggregateId, String appId, String envId,
      JsonObject payload) {}

  private StateDiff() {}

  /** The changes from {@code before} to {@code after}; empty when nothing event-worthy differs. */
  public static List<Change> diff(DevState before, DevState after) {
    List<Change> out = new ArrayList<>();
    String org = after.org();
    envs(before, after, org, out);
    routes(before, after, org, out);
    instances(before, after, org, out);
    return out;
  }

  private static void envs(DevState before, DevState after, String org, List<Change> out) {
    Map<String, DevState.Env> was = withIpv4(before);
    Map<String, DevState.Env> now = withIpv4(after);
    for (String id : union(was.keySet(), now.keySet())) {
      DevState.Env a = was.get(id);
      DevState.Env b = now.get(id);
      if (a != null && b != null && a.equals(b)) {
        continue;
      }
      if (a != null) {
        out.add(envChange("env.ipv4_addon_disabled", a, org));
      }
      if (b != null) {
        out.add(envChange("env.ipv4_addon_enabled", b, org));
      }
    }
  }

  private static Change envChange(String type, DevState.Env env, String org) {
    JsonObject p = new JsonObject()
        .put("env_id", env.id())
        .put("org_id", org)
        .put("app_id", env.app())
        .put("allocation_id", Ids.stable("ipv4", env.id() + "/" + env.ipv4()))
        .put("ipv4_address", env.ipv4());
    return new Change(type, "env", env.id(), env.app(), env.id(), p);
  }

  private static Map<String, DevState.Env> withIpv4(DevState s) {
    Map<String, DevState.Env> m = new TreeMap<>();
    s.envs().values().stream().filter(e -> e.ipv4() != null).forEach(e -> m.put(e.id(), e));
    return m;
  }

  private static void routes(DevState before, DevState after, String org, List<Change> out) {
    for (String id : union(before.routes().keySet(), after.routes().keySet())) {
      DevState.Route a = before.routes().get(id);
      DevState.Route b = after.routes().get(id);
      if (Objects.equals(a, b)) {
        continue;
      }
      if (a != null && (b == null || !sameIdentity(a, b))) {
        out.add(routeDeleted(a, org));
        a = null;
      }
      if (b == null) {
        continue;
      }
      if (a == null) {
        out.add(routeCreated(b, org, ipv4Of(after, b.env())));
      } else {
        out.add(routeUpdated(a, b, org, ipv4Of(after, b.env())));
      }
    }
  }

  private static boolean sameIdentity(DevState.Route a, DevState.Route b) {
    return a.hostname().equals(b.hostname()) && a.listenPort() == b.listenPort()
        && Objects.equals(a.protocol(), b.protocol()) && Objects.equals(a.app(), b.app())
        && Objects.equals(a.env(), b.env());
  }

  private static String ipv4Of(DevState s, String envId) {
    DevState.Env e = s.envs().get(envId);
    return e == null ? null : e.ipv4();
  }

  /** The full route payload of {@code route.created} (and of the routes list). */
  static JsonObject routePayload(DevState.Route r, String org, String envIpv4) {
    JsonObject p = new JsonObject()
        .put("route_id", r.id())
        .put("org_id", org)
        .put("app_id", r.app())
        .put("env_id", r.env())
        .put("hostname", r.hostname())
        .put("listen_port", r.listenPort())
        .put("protocol_hint", r.protocol())
        .put("backend_process_type", r.processType())
        .put("backend_port", r.backendPort())
        .put("proxy_protocol", r.proxyProtocol())
        .put("backend_expects_proxy_protocol", r.backendExpectsProxyProtocol())
        .put("ipv4_required", r.ipv4Required());
    if (envIpv4 != null) {
      p.put("env_ipv4_address", envIpv4);
    }
    return p;
  }

  private static Change routeCreated(DevState.Route r, String org, String envIpv4) {
    return new Change("route.created", "route", r.id(), r.app(), r.env(), routePayload(r, org, envIpv4));
  }

  private static Change routeDeleted(DevState.Route r, String org) {
    JsonObject p = new JsonObject()
        .put("route_id", r.id())
        .put("org_id", org)
        .put("env_id", r.env())
        .put("hostname", r.hostname());
    return new Change("route.deleted", "route", r.id(), r.app(), r.env(), p);
  }

  private static Change routeUpdated(DevState.Route a, DevState.Route b, String org, String envIpv4) {
    JsonObject p = new JsonObject().put("route_id", b.id()).put("org_id", org).put("env_id", b.env());
    if (!Objects.equals(a.processType(), b.processType())) {
      p.put("backend_process_type", b.processType());
    }
    if (a.backendPort() != b.backendPort()) {
      p.put("backend_port", b.backendPort());
    }
    if (!Objects.equals(a.proxyProtocol(), b.proxyProtocol())) {
      p.put("proxy_protocol", b.proxyProtocol());
    }
    if (a.backendExpectsProxyProtocol() != b.backendExpectsProxyProtocol()) {
      p.put("backend_expects_proxy_protocol", b.backendExpectsProxyProtocol());
    }
    if (a.ipv4Required() != b.ipv4Required()) {
      p.put("ipv4_required", b.ipv4Required());
      if (b.ipv4Required() && envIpv4 != null) {
        p.put("env_ipv4_address", envIpv4);
      }
    }
    return new Change("route.updated", "route", b.id(), b.app(), b.env(), p);
  }

  private static void instances(DevState before, DevState after, String org, List<Change> out) {
    for (String id : union(before.instances().keySet(), after.instances().keySet())) {
      DevState.Instance a = before.instances().get(id);
      DevState.Instance b = after.instances().get(id);
      if (Objects.equals(a, b)) {
        continue;
      }
      if (a != null && b != null && !a.env().equals(b.env())) {
        // moved: both envs must hear of it
        out.add(instanceChange(a, a, true, org));
        out.add(instanceChange(null, b, false, org));
      } else {
        out.add(instanceChange(a, b != null ? b : a, b == null, org));
      }
    }
  }

  private static Change instanceChange(DevState.Instance previous, DevState.Instance cur, boolean removed,
      String org) {
    JsonObject p = new JsonObject()
        .put("instance_id", cur.id())
        .put("org_id", org)
        .put("app_id", cur.app())
        .put("env_id", cur.env())
        .put("process_type", cur.processType())
        .put("status", cur.status())
        .put("previous_status", previous == null ? "" : previous.status())
        .put("overlay_ipv6", cur.overlayIpv6() == null ? "" : cur.overlayIpv6() + "/128")
        .put("node_id", cur.node() == null ? "" : cur.node())
        .put("removed", removed);
    return new Change("instance.status_changed", "instance", cur.id(), cur.app(), cur.env(), p);
  }

  private static TreeSet<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    TreeSet<String> s = new TreeSet<>(a);
    s.addAll(b);
    return s;
  }
}
