package dev.ghost.ingress.cluster;

import dev.ghost.ingress.sync.StateDelta;
import io.vertx.core.json.JsonObject;

/**
 * One change the leader published, in {@value FleetCoordinator#ROUTING_MAP} under {@code delta:<seq>}: from
 * version ({@code fromCursor}, {@code fromHash}) to version ({@code cursor}, {@code hash}), carrying only what
 * changed ({@link StateDelta}). A node serving the from-version applies it; the content hash of the result must
 * equal {@code hash}, else the node reads the base snapshot instead.
 *
 * @param seq           log sequence (the head's {@code seq} once published)
 * @param fromCursor    cursor of the version it applies to
 * @param fromHash      content hash of the version it applies to
 * @param cursor        cursor of the resulting version (where {@link NewestSnapshotMergePolicy} looks)
 * @param hash          content hash of the resulting version
 * @param publishedAtMs leader's wall clock when the resulting content was first published
 * @param leader        node id of the publishing leader
 * @param change        the change
 */
public record FleetDelta(long seq, long fromCursor, String fromHash, long cursor, String hash, long publishedAtMs,
    String leader, StateDelta change) {

  /** Encodes for the cluster map. */
  public String encode() {
    return new JsonObject().put("seq", seq).put("from_cursor", fromCursor).put("from_hash", fromHash)
        .put("cursor", cursor).put("hash", hash).put("published_at_ms", publishedAtMs).put("leader", leader)
        .put("change", change.toJson()).encode();
  }

  /** Decodes what {@link #encode()} wrote; throws on a malformed value. */
  public static FleetDelta decode(String encoded) {
    JsonObject j = new JsonObject(encoded);
    String fromHash = j.getString("from_hash");
    String hash = j.getString("hash");
    if (fromHash == null || hash == null) {
      throw new IllegalArgumentException("delta without versions");
    }
    return new FleetDelta(j.getLong("seq"), j.getLong("from_cursor"), fromHash, j.getLong("cursor"), hash,
        j.getLong("published_at_ms"), j.getString("leader"), StateDelta.fromJson(j.getJsonObject("change")));
  }

  /** True when it applies to the version ({@code cursor}, {@code hash}). */
  public boolean appliesTo(long cursor, String hash) {
    return fromCursor == cursor && fromHash.equals(hash);
  }
}
