package dev.ghost.ingress.admin;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The fleet's open connections per draining backend, aggregated from every node's latest
 * {@link dev.ghost.ingress.observe.BusAddresses#DRAIN_VIEW} message. Thread-safe. A node's report is dropped once it
 * is no cluster member any more, or when it is older than {@link #STALE_MS} (a node that went away standalone).
 */
final class DrainView {

  /** Three missed periodic reports. */
  static final long STALE_MS = 3 * DrainViewVerticle.PERIOD_MS;

  /** One node's last report: its counts by backend address. */
  record Report(String nodeId, String member, long atMs, Map<String, Integer> backends) {}

  private final Map<String, Report> reports = new ConcurrentHashMap<>();

  /** Takes a node's report; a malformed one is ignored (returns false). */
  boolean accept(JsonObject message, long receivedAtMs) {
    try {
      String nodeId = message.getString("node_id");
      JsonObject backends = message.getJsonObject("backends");
      if (nodeId == null || backends == null) {
        return false;
      }
      Map<String, Integer> counts = new TreeMap<>();
      backends.forEach(e -> counts.put(e.getKey(), ((Number) e.getValue()).intValue()));
      reports.put(nodeId, new Report(nodeId, message.getString("member"), receivedAtMs, counts));
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * {@code {"host:port": {"open": total, "nodes": {node_id: n}}}}, backends and nodes sorted.
   *
   * @param alive tells whether a report's member (null standalone) still belongs to the cluster
   * @param nowMs the current time, to drop stale reports
   */
  JsonObject render(Predicate<String> alive, long nowMs) {
    reports.values().removeIf(r -> nowMs - r.atMs() > STALE_MS || !alive.test(r.member()));
    Map<String, Map<String, Integer>> byBackend = new TreeMap<>();
    reports.values().forEach(r -> r.backends().forEach((backend, n) ->
        byBackend.computeIfAbsent(backend, b -> new TreeMap<>()).put(r.nodeId(), n)));
    JsonObject out = new JsonObject();
    byBackend.forEach((backend, nodes) -> {
      JsonObject perNode = new JsonObject();
      nodes.forEach(perNode::put);
      out.put(backend, new JsonObject().put("open", nodes.values().stream().mapToInt(Integer::intValue).sum())
          .put("nodes", perNode));
    });
    return out;
  }
}
