package dev.ghost.ingress.health;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The latest health view of each node, merged into the fleet-wide matrix backend × node of
 * {@code GET /v1/fleet/health}. Pure and single-threaded (the {@link HealthVerticle} owns it on its context); times
 * are passed in.
 *
 * <p>A view replaces the node's previous one unless it is older (by the sender's {@code at}), so duplicates and
 * re-ordered deliveries are harmless. Views not refreshed for {@link #MAX_AGE_MS} (measured on the receiver's clock,
 * so clock skew between nodes does not matter) or from a member that left the cluster are dropped.
 */
public final class HealthMatrix {

  /** A view not refreshed for this long is dropped (the periodic view comes every 2 s). */
  public static final long MAX_AGE_MS = 10_000;

  /** Matrix cell values. */
  public static final String ELIGIBLE = "eligible";
  public static final String EJECTED = "ejected";
  /** Its active TCP probes failed ({@code "probe": "down"} in the view); shown before a passive ejection. */
  public static final String PROBE_DOWN = "probe_down";
  public static final String UNKNOWN = "unknown";

  private final String ownNodeId;
  private final Map<String, NodeView> views = new TreeMap<>();

  /** One node's view as last received. */
  record NodeView(String nodeId, String member, long atMs, long receivedAtMs, Map<String, String> cells) {}

  public HealthMatrix(String ownNodeId) {
    this.ownNodeId = Objects.requireNonNull(ownNodeId, "ownNodeId");
  }

  /**
   * Takes a view message ({@link dev.ghost.ingress.observe.BusAddresses#HEALTH_VIEW}). Returns false when it was
   * ignored: malformed, or older than the one held for that node.
   */
  public boolean accept(JsonObject message, long nowMs) {
    if (message == null) {
      return false;
    }
    String nodeId;
    Long at;
    JsonArray backends;
    try {
      nodeId = message.getString("node_id");
      at = message.getLong("at");
      backends = message.getJsonArray("backends");
    } catch (ClassCastException e) {
      return false;
    }
    if (nodeId == null || nodeId.isEmpty() || at == null || backends == null) {
      return false;
    }
    NodeView held = views.get(nodeId);
    if (held != null && at < held.atMs()) {
      return false;
    }
    Map<String, String> cells = new TreeMap<>();
    for (Object o : backends) {
      if (!(o instanceof JsonObject b) || !(b.getValue("backend") instanceof String name)) {
        return false;
      }
      boolean probeDown = "down".equals(b.getValue("probe"));
      cells.put(name, probeDown ? PROBE_DOWN : Boolean.TRUE.equals(b.getValue("ejected")) ? EJECTED : ELIGIBLE);
    }
    Object member = message.getValue("member");
    views.put(nodeId, new NodeView(nodeId, member instanceof String m ? m : null, at, nowMs, cells));
    return true;
  }

  /**
   * Drops views older than {@link #MAX_AGE_MS} and those of other nodes whose cluster member is not live
   * ({@code isMember} is asked about non-null members only). The own node's view is kept regardless of members.
   */
  public void prune(long nowMs, Predicate<String> isMember) {
    views.values().removeIf(v -> nowMs - v.receivedAtMs() > MAX_AGE_MS
        || (!v.nodeId().equals(ownNodeId) && v.member() != null && !isMember.test(v.member())));
  }

  /** Node ids with a view, sorted. */
  public Set<String> nodes() {
    Set<String> out = new TreeSet<>(views.keySet());
    out.add(ownNodeId);
    return out;
  }

  /**
   * {@code {"nodes": [ids], "backends": [{"backend", "nodes": {"<id>": "eligible|ejected|probe_down|unknown"}}]}}:
   * every
   * backend any node reports, sorted; {@code unknown} where a node's view does not mention it (or the node has no
   * view yet). The own node is always listed.
   */
  public JsonObject render() {
    Set<String> nodes = nodes();
    Set<String> backends = new TreeSet<>();
    views.values().forEach(v -> backends.addAll(v.cells().keySet()));
    JsonArray rows = new JsonArray();
    for (String backend : backends) {
      JsonObject cells = new JsonObject();
      for (String node : nodes) {
        NodeView v = views.get(node);
        String cell = v == null ? null : v.cells().get(backend);
        cells.put(node, cell == null ? UNKNOWN : cell);
      }
      rows.add(new JsonObject().put("backend", backend).put("nodes", cells));
    }
    return new JsonObject().put("nodes", new JsonArray(java.util.List.copyOf(nodes))).put("backends", rows);
  }
}
