package dev.ghost.ingress.cluster;

import dev.ghost.ingress.sync.SyncVerticle;
import io.vertx.core.json.JsonObject;

/**
 * The head of the routing log in {@value FleetCoordinator#ROUTING_MAP} (key {@value FleetLog#HEAD_KEY}): the
 * newest published version and where the base snapshot stands. Small (a few hundred bytes) whatever the table size:
 * it is what every node reads on every periodic check, the table itself only when it is behind.
 *
 * <p>Log {@code seq} {@code s} is the state after delta {@code s} ({@link FleetDelta}, key {@code delta:<s>}); the
 * base snapshot ({@link FleetSnapshot}, key {@value FleetCoordinator#SNAPSHOT_KEY}) holds the whole state at
 * {@code baseSeq}, so base + deltas {@code baseSeq+1 .. seq} give the head's state. Deltas from {@code logStart}
 * up to {@code baseSeq} may still exist (kept for nodes slightly behind); older ones are removed.
 *
 * @param seq           log sequence of the head version
 * @param cursor        control-plane cursor of the head version
 * @param hash          content hash of the head version
 * @param publishedAtMs leader's wall clock when this content was first published
 * @param leader        node id of the publishing leader
 * @param baseSeq       log sequence of the state the base snapshot holds
 * @param baseCursor    its cursor
 * @param baseHash      its content hash
 * @param baseAtMs      leader's wall clock when the base was written (time-based compaction)
 * @param logStart      lowest delta sequence that may still be stored
 * @param logChars      sealed size of the deltas {@code baseSeq+1 .. seq} together (size-based compaction); 0 in a
 *                      head of a version before it
 * @param baseChars     sealed size of the base snapshot; 0 when unknown (a head of a version before it)
 */
public record FleetHead(long seq, long cursor, String hash, long publishedAtMs, String leader, long baseSeq,
    long baseCursor, String baseHash, long baseAtMs, long logStart, long logChars, long baseChars) {

  /** Encodes for the cluster map; {@code cursor} is where {@link NewestSnapshotMergePolicy} looks. */
  public String encode() {
    return new JsonObject().put("seq", seq).put("cursor", cursor).put("hash", hash)
        .put("published_at_ms", publishedAtMs).put("leader", leader).put("base_seq", baseSeq)
        .put("base_cursor", baseCursor).put("base_hash", baseHash).put("base_at_ms", baseAtMs)
        .put("log_start", logStart).put("log_chars", logChars).put("base_chars", baseChars).encode();
  }

  /** Decodes what {@link #encode()} wrote; throws on a malformed value. */
  public static FleetHead decode(String encoded) {
    JsonObject j = new JsonObject(encoded);
    return new FleetHead(j.getLong("seq"), j.getLong("cursor"), requireText(j, "hash"),
        j.getLong("published_at_ms"), j.getString("leader"), j.getLong("base_seq"), j.getLong("base_cursor"),
        requireText(j, "base_hash"), j.getLong("base_at_ms"), j.getLong("log_start"), j.getLong("log_chars", 0L),
        j.getLong("base_chars", 0L));
  }

  private static String requireText(JsonObject j, String key) {
    String s = j.getString(key);
    if (s == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return s;
  }

  /** The head after one more delta, {@code deltaChars} long sealed, to {@code to}; the base stays. */
  FleetHead next(SyncVerticle.Served to, long publishedAt, String by, long deltaChars) {
    return new FleetHead(seq + 1, to.state().cursor(), to.hash(), publishedAt, by, baseSeq, baseCursor, baseHash,
        baseAtMs, logStart, logChars + deltaChars, baseChars);
  }

  /** True when {@code own} serves this head's version. */
  public boolean servedBy(SyncVerticle.Served own) {
    return own.serving() && own.state().cursor() == cursor && own.hash().equals(hash);
  }

  /** True when a node serving {@code own} should take this version (see {@link #supersedes(long, String, SyncVerticle.Served)}). */
  public boolean supersedes(SyncVerticle.Served own) {
    return supersedes(cursor, hash, own);
  }

  /**
   * The one rule for taking a version from the cluster: the node serves nothing yet, or the version's cursor is
   * newer, or the cursor is equal and the content differs (the cluster's wins). Never an older table.
   */
  public static boolean supersedes(long cursor, String hash, SyncVerticle.Served own) {
    if (!own.serving()) {
      return true;
    }
    long ownCursor = own.state().cursor();
    return cursor > ownCursor || (cursor == ownCursor && !hash.equals(own.hash()));
  }

  /** This head as {@code /v1/fleet} renders the leader's published version (no state). */
  FleetSnapshot asVersion() {
    return new FleetSnapshot(cursor, hash, publishedAtMs, leader, null);
  }
}
