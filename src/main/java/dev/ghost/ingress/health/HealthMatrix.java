package dev.ghost.ingress.health;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
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
 *
 * <p>A view is full (every backend listed, with the {@code digest} of their set) or compact: only the backends that
 * are not healthy are listed, and {@code "healthy": {"digest", "count"}} says every other backend of the set with
 * that digest is eligible. A compact view is expanded with the set of any held view of that digest (the fleet's
 * nodes share one route table, so the receiver's own view usually has it); until one is held, only its listed
 * backends show and the others are {@code unknown} for that node (the sender's next full view fills them). A compact
 * view costs what it lists, not the number of backends.
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

  /**
   * One node's view as last received: every backend of {@code base} is eligible unless {@code cells} says otherwise;
   * {@code cells} also holds listed backends outside {@code base}.
   *
   * @param baseDigest the digest of {@code base} as the sender computed it, or null when unknown
   */
  record NodeView(String nodeId, String member, long atMs, long receivedAtMs, Set<String> base, String baseDigest,
      Map<String, String> cells) {

    /** The cell of a backend, or null when this view does not mention it. */
    String cell(String backend) {
      String c = cells.get(backend);
      return c != null ? c : base.contains(backend) ? ELIGIBLE : null;
    }
  }

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
    JsonObject healthy;
    try {
      nodeId = message.getString("node_id");
      at = message.getLong("at");
      backends = message.getJsonArray("backends");
      healthy = message.getJsonObject("healthy");
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
    boolean compact = healthy != null;
    Map<String, String> cells = new HashMap<>();
    Set<String> listed = compact ? Set.of() : new HashSet<>();
    for (Object o : backends) {
      if (!(o instanceof JsonObject b) || !(b.getValue("backend") instanceof String name)) {
        return false;
      }
      boolean probeDown = "down".equals(b.getValue("probe"));
      String cell = probeDown ? PROBE_DOWN : Boolean.TRUE.equals(b.getValue("ejected")) ? EJECTED : ELIGIBLE;
      if (compact) {
        cells.put(name, cell);
      } else {
        listed.add(name);
        if (!cell.equals(ELIGIBLE)) {
          cells.put(name, cell);
        }
      }
    }
    Object member = message.getValue("member");
    String memberId = member instanceof String m ? m : null;
    if (compact) {
      Object digest = healthy.getValue("digest");
      Object count = healthy.getValue("count");
      Set<String> base = digest instanceof String d && count instanceof Number n ? baseOf(d, n.intValue()) : null;
      views.put(nodeId, new NodeView(nodeId, memberId, at, nowMs, base == null ? Set.of() : base,
          base == null ? null : (String) digest, cells));
    } else {
      Object digest = message.getValue("digest");
      views.put(nodeId, new NodeView(nodeId, memberId, at, nowMs, listed, digest instanceof String d ? d : null,
          cells));
    }
    return true;
  }

  /** The set of a held view with this digest and size, or null when none is held. */
  private Set<String> baseOf(String digest, int count) {
    for (NodeView v : views.values()) {
      if (digest.equals(v.baseDigest()) && v.base().size() == count) {
        return v.base();
      }
    }
    return null;
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
    views.values().forEach(v -> {
      backends.addAll(v.base());
      backends.addAll(v.cells().keySet());
    });
    JsonArray rows = new JsonArray();
    for (String backend : backends) {
      JsonObject cells = new JsonObject();
      for (String node : nodes) {
        NodeView v = views.get(node);
        String cell = v == null ? null : v.cell(backend);
        cells.put(node, cell == null ? UNKNOWN : cell);
      }
      rows.add(new JsonObject().put("backend", backend).put("nodes", cells));
    }
    return new JsonObject().put("nodes", new JsonArray(java.util.List.copyOf(nodes))).put("backends", rows);
  }
}
