package dev.ghost.ingress.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Set;

/**
 * Renders {@code GET /v1/fleet} from the fleet entries, the live member UUIDs, the leader and the shared snapshot:
 * {@code {"leader", "nodes": [{"node_id", "version", "hash", "applied_at", "alive", "diverged", "draining"}],
 * "last_propagation_ms"}} ({@code draining}: the node is shutting down gracefully and takes no new connections).
 *
 * <p>{@code diverged}: the node's hash differs from the leader's (the snapshot's when the leader has no entry).
 * {@code last_propagation_ms}: the last {@code applied_at} of the live nodes serving the snapshot's hash minus the
 * snapshot's {@code published_at} (wall clocks, so it assumes synchronised clocks); null while a live node does not
 * serve it yet, or when there is no snapshot.
 */
public final class FleetView {

  private FleetView() {}

  public static JsonObject render(String leaderId, Collection<FleetEntry> entries, Set<String> liveMembers,
      FleetSnapshot snapshot) {
    String leaderHash = entries.stream().filter(e -> e.nodeId().equals(leaderId)).map(FleetEntry::hash)
        .findFirst().orElse(snapshot == null ? null : snapshot.hash());
    JsonArray nodes = new JsonArray();
    entries.stream().sorted(Comparator.comparing(FleetEntry::nodeId)).forEach(e -> nodes.add(new JsonObject()
        .put("node_id", e.nodeId())
        .put("version", e.cursor())
        .put("hash", e.hash())
        .put("applied_at", Instant.ofEpochMilli(e.appliedAtMs()).toString())
        .put("alive", liveMembers.contains(e.memberUuid()))
        .put("diverged", leaderHash != null && !leaderHash.equals(e.hash()))
        .put("draining", e.draining())));
    return new JsonObject().put("leader", leaderId).put("nodes", nodes)
        .put("last_propagation_ms", propagation(entries, liveMembers, snapshot));
  }

  private static Long propagation(Collection<FleetEntry> entries, Set<String> live, FleetSnapshot snapshot) {
    if (snapshot == null) {
      return null;
    }
    long last = Long.MIN_VALUE;
    for (FleetEntry e : entries) {
      if (!live.contains(e.memberUuid())) {
        continue;
      }
      if (!e.hash().equals(snapshot.hash())) {
        return null;
      }
      last = Math.max(last, e.appliedAtMs());
    }
    return last == Long.MIN_VALUE ? null : Math.max(0, last - snapshot.publishedAtMs());
  }
}
