package dev.ghost.ingress.devcp;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the events say now: routes (the {@code route.created} payload patched by every {@code route.updated}),
 * env networking and instances with their generation and timestamps. It is what the list endpoints serve, and on
 * restart {@link #toState} is what the state file is diffed against. Built by folding events in id order; not
 * thread-safe (owned by {@link EventLog}, which publishes immutable copies).
 */
public final class Projection {

  /**
   * An env's dedicated IPv4 as last announced.
   *
   * @param envId env id
   * @param appId app id
   * @param ipv4 address, or null when disabled
   * @param allocationId allocation id, or null when disabled
   * @param resourceVersion the env aggregate's sequence number
   * @param updatedAt time of the last env event
   */
  public record EnvNet(String envId, String appId, String ipv4, String allocationId, long resourceVersion,
      Instant updatedAt) {}

  /**
   * An instance as the instances API serves it.
   *
   * @param instance id, app, env, process type, overlay (no prefix), status, node
   * @param generation how many times it changed (its aggregate sequence)
   * @param createdAt first event
   * @param lastTransitionAt last status change
   */
  public record InstanceView(DevState.Instance instance, long generation, Instant createdAt,
      Instant lastTransitionAt) {}

  private final Map<String, JsonObject> routes = new TreeMap<>();
  private final Map<String, EnvNet> envs = new TreeMap<>();
  private final Map<String, InstanceView> instances = new TreeMap<>();
  private final Map<String, Long> seqs = new HashMap<>();

  /** Applies one event; unknown types only advance the aggregate sequence. */
  public void apply(DevEvent e) {
    seqs.merge(e.aggregateType() + "/" + e.aggregateId(), e.aggregateSeq(), Math::max);
    JsonObject p = e.payload();
    switch (e.eventType()) {
      case "route.created" -> routes.put(e.aggregateId(), p.copy());
      case "route.updated" -> {
        JsonObject r = routes.get(e.aggregateId());
        if (r != null) {
          p.forEach(kv -> r.put(kv.getKey(), kv.getValue()));
        }
      }
      case "route.deleted" -> routes.remove(e.aggregateId());
      case "env.ipv4_addon_enabled" -> envs.put(e.aggregateId(), new EnvNet(e.aggregateId(), p.getString("app_id"),
          p.getString("ipv4_address"), p.getString("allocation_id"), e.aggregateSeq(), e.occurredAt()));
      case "env.ipv4_addon_disabled" -> envs.put(e.aggregateId(), new EnvNet(e.aggregateId(),
          p.getString("app_id"), null, null, e.aggregateSeq(), e.occurredAt()));
      case "instance.status_changed" -> instance(e, p);
      default -> { }
    }
  }

  private void instance(DevEvent e, JsonObject p) {
    if (p.getBoolean("removed", false)) {
      instances.remove(e.aggregateId());
      return;
    }
    String overlay = p.getString("overlay_ipv6", "");
    int slash = overlay.indexOf('/');
    DevState.Instance inst = new DevState.Instance(e.aggregateId(), p.getString("app_id"), p.getString("env_id"),
        p.getString("process_type"), overlay.isEmpty() ? null : slash < 0 ? overlay : overlay.substring(0, slash),
        p.getString("status"), emptyToNull(p.getString("node_id")));
    InstanceView old = instances.get(e.aggregateId());
    Instant created = old == null ? e.occurredAt() : old.createdAt();
    Instant transition = old == null || !old.instance().status().equals(inst.status())
        ? e.occurredAt() : old.lastTransitionAt();
    instances.put(e.aggregateId(), new InstanceView(inst, e.aggregateSeq(), created, transition));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** The next sequence number of an aggregate. */
  public long nextSeq(String aggregateType, String aggregateId) {
    return seqs.getOrDefault(aggregateType + "/" + aggregateId, 0L) + 1;
  }

  /** Routes by id, canonical payloads (copies). */
  public Map<String, JsonObject> routes() {
    Map<String, JsonObject> m = new TreeMap<>();
    routes.forEach((k, v) -> m.put(k, v.copy()));
    return Collections.unmodifiableMap(m);
  }

  /** Env networking by env id (envs that ever had an IPv4 event). */
  public Map<String, EnvNet> envs() {
    return Collections.unmodifiableMap(new TreeMap<>(envs));
  }

  /** Instances by id. */
  public Map<String, InstanceView> instances() {
    return Collections.unmodifiableMap(new TreeMap<>(instances));
  }

  /** The state these events describe; envs appear only while their IPv4 add-on is on. */
  public DevState toState(String org, String token) {
    Map<String, DevState.Env> es = new TreeMap<>();
    envs.values().stream().filter(n -> n.ipv4() != null)
        .forEach(n -> es.put(n.envId(), new DevState.Env(n.envId(), n.appId(), n.ipv4())));
    Map<String, DevState.Route> rs = new TreeMap<>();
    routes.forEach((id, p) -> rs.put(id, new DevState.Route(id, p.getString("app_id"), p.getString("env_id"),
        p.getString("hostname"), p.getInteger("listen_port", 0), p.getString("protocol_hint"),
        p.getString("backend_process_type"), p.getInteger("backend_port", 0), p.getString("proxy_protocol"),
        p.getBoolean("ipv4_required", false))));
    Map<String, DevState.Instance> is = new TreeMap<>();
    instances.forEach((id, v) -> is.put(id, v.instance()));
    return new DevState(org, token, es, rs, is);
  }

  /** A deep copy, safe to publish to other threads once no longer modified. */
  public Projection copy() {
    Projection c = new Projection();
    routes.forEach((k, v) -> c.routes.put(k, v.copy()));
    c.envs.putAll(envs);
    c.instances.putAll(instances);
    c.seqs.putAll(seqs);
    return c;
  }
}
