package dev.ghost.ingress.cluster;

import io.vertx.core.json.JsonObject;

/**
 * What one node reports about itself in the cluster map {@value FleetCoordinator#FLEET_MAP} (keyed by node id,
 * refreshed every {@link FleetCoordinator#CHECK_MS} ms with a TTL of {@link FleetCoordinator#ENTRY_TTL_SECONDS} s).
 *
 * @param nodeId      {@code GHOST_NODE_ID}
 * @param memberUuid  the node's Hazelcast member UUID (to tell whether it is still a member)
 * @param cursor      control-plane cursor of the state it serves (the "version")
 * @param hash        content hash of that state
 * @param appliedAtMs wall clock when it started serving this hash
 * @param draining    the node is draining (SIGTERM or admin "drain node"): it has left the serving set
 */
public record FleetEntry(String nodeId, String memberUuid, long cursor, String hash, long appliedAtMs,
    boolean draining) {

  /** An entry of a node that is not draining. */
  public FleetEntry(String nodeId, String memberUuid, long cursor, String hash, long appliedAtMs) {
    this(nodeId, memberUuid, cursor, hash, appliedAtMs, false);
  }

  public String encode() {
    return new JsonObject().put("node_id", nodeId).put("member", memberUuid).put("version", cursor)
        .put("hash", hash).put("applied_at_ms", appliedAtMs).put("draining", draining).encode();
  }

  /** Decodes what {@link #encode()} wrote (an entry of an older version, without {@code draining}, is not draining). */
  public static FleetEntry decode(String encoded) {
    JsonObject j = new JsonObject(encoded);
    return new FleetEntry(j.getString("node_id"), j.getString("member"), j.getLong("version"),
        j.getString("hash"), j.getLong("applied_at_ms"), j.getBoolean("draining", false));
  }
}
