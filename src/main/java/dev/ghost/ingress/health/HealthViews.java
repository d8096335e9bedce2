package dev.ghost.ingress.health;

import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.ProbeStatus;
import dev.ghost.ingress.eligibility.ProbeVerdicts;
import dev.ghost.ingress.route.Backend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds one node's health view messages ({@link dev.ghost.ingress.observe.BusAddresses#HEALTH_VIEW}), full or
 * compact. A full view lists every backend of the route table (and any other the ejection state holds) with the
 * {@code digest} of that set; a compact one lists only the backends that are not healthy (ejected, failing, probe-down)
 * and says, in {@code "healthy": {"digest", "count"}}, that every other backend of the set with that digest is
 * eligible and probed up. {@link HealthMatrix} renders both the same.
 *
 * <p>Compact is used only when it says exactly what a full view would: every backend of the table has a probe verdict
 * (so none is {@code unknown}) and the set is the one of the last full view; a full view goes out otherwise, and every
 * {@value #FULL_EVERY}th view regardless, so a node that missed one (or just joined a fleet whose route tables
 * differ) is complete again within that many periods. At 2 000 healthy backends a compact view is a few hundred bytes
 * instead of ≈ 190 kB, and neither building nor merging it walks the backends. Single-threaded (the verticle's
 * context).
 */
final class HealthViews {

  /** At most this many views in a row are compact. */
  static final int FULL_EVERY = 15;

  private final String nodeId;
  private Set<Backend> table = Set.of();
  private BackendSetDigest tableDigest = BackendSetDigest.EMPTY;
  private String lastFullDigest;
  private int compactInARow;

  /** @param nodeId the {@code node_id} of every view */
  HealthViews(String nodeId) {
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
  }

  /** The route table's backends changed: digests them once (a walk per table change, not per view). */
  void table(Set<Backend> backends) {
    table = backends;
    tableDigest = BackendSetDigest.of(backends);
  }

  /**
   * The view to publish now.
   *
   * @param reason   {@code change}, {@code table} or {@code periodic}
   * @param changed  the changed backends ({@code change} only)
   * @param member   the cluster member id, or null standalone
   * @param atMs     the wall clock
   * @param snapshot the passive ejection state (backends with failures)
   * @param probes   the probe verdicts
   */
  JsonObject view(String reason, List<?> changed, String member, long atMs,
      Map<Backend, BackendHealth.Status> snapshot, ProbeVerdicts probes) {
    BackendSetDigest digest = tableDigest;
    for (Backend b : snapshot.keySet()) {
      if (!table.contains(b)) {
        digest = digest.plus(b.toString()); // a full view lists it too
      }
    }
    String text = digest.text();
    boolean compact = probes.size() == table.size() && text.equals(lastFullDigest) && compactInARow < FULL_EVERY - 1;
    JsonObject view = new JsonObject().put("node_id", nodeId).put("member", member).put("at", atMs)
        .put("reason", reason);
    if (compact) {
      compactInARow++;
      view.put("backends", new JsonArray(List.copyOf(unhealthyRows(snapshot, probes).values())))
          .put("healthy", new JsonObject().put("digest", text).put("count", digest.count()));
    } else {
      compactInARow = 0;
      lastFullDigest = text;
      view.put("backends", new JsonArray(List.copyOf(allRows(snapshot, probes).values()))).put("digest", text);
    }
    return view.put("changed", new JsonArray(List.copyOf(changed)));
  }

  /** Rows of the backends that are ejected, failing or probe-down, by address. */
  private static Map<String, JsonObject> unhealthyRows(Map<Backend, BackendHealth.Status> snapshot,
      ProbeVerdicts probes) {
    Map<String, JsonObject> rows = new TreeMap<>();
    snapshot.forEach((b, s) -> rows.put(b.toString(), row(b, s.ejected(), s.consecutiveFailures(), probes)));
    for (Backend b : probes.down()) {
      rows.computeIfAbsent(b.toString(), k -> row(b, false, 0, probes));
    }
    return rows;
  }

  /** Rows of every backend of the table and of the ejection state, by address. */
  private Map<String, JsonObject> allRows(Map<Backend, BackendHealth.Status> snapshot, ProbeVerdicts probes) {
    Map<String, JsonObject> rows = new TreeMap<>();
    for (Backend b : table) {
      rows.put(b.toString(), row(b, false, 0, probes));
    }
    snapshot.forEach((b, s) -> rows.put(b.toString(), row(b, s.ejected(), s.consecutiveFailures(), probes)));
    return rows;
  }

  private static JsonObject row(Backend b, boolean ejected, int failures, ProbeVerdicts probes) {
    ProbeStatus p = probes.status(b);
    return new JsonObject().put("backend", b.toString()).put("ejected", ejected)
        .put("consecutive_failures", failures).put("probe", p.label());
  }
}
