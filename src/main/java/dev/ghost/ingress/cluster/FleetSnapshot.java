package dev.ghost.ingress.cluster;

import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.sync.SyncVerticle;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * The routing state the leader shares through the cluster map {@value FleetCoordinator#ROUTING_MAP} (key
 * {@value FleetCoordinator#SNAPSHOT_KEY}), as a JSON string:
 * {@code {"cursor", "hash", "published_at_ms", "leader", "state": <the state file's JSON>}}.
 *
 * <p>Its version is ({@code cursor}, {@code hash}). A node takes a snapshot only if it is not older than what it
 * serves ({@link #supersedes}), so a stale or empty cluster never overwrites a newer local last-known-good.
 *
 * @param cursor        control-plane cursor of the state
 * @param hash          {@link ControlPlaneState#contentHash()}
 * @param publishedAtMs leader's wall clock when this content was first published
 * @param leader        node id of the publishing leader
 * @param state         the state, in {@link StateFile#toJson} form
 */
public record FleetSnapshot(long cursor, String hash, long publishedAtMs, String leader, JsonObject state) {

  /** The snapshot of {@code served}, published by {@code leader} at {@code publishedAtMs}. */
  public static FleetSnapshot of(SyncVerticle.Served served, String leader, long publishedAtMs) {
    return new FleetSnapshot(served.state().cursor(), served.hash(), publishedAtMs, leader,
        StateFile.toJson(served.state(), Instant.ofEpochMilli(publishedAtMs)));
  }

  /** Encodes for the cluster map. */
  public String encode() {
    return new JsonObject().put("cursor", cursor).put("hash", hash).put("published_at_ms", publishedAtMs)
        .put("leader", leader).put("state", state).encode();
  }

  /** Decodes what {@link #encode()} wrote; null for null. Throws on a malformed value. */
  public static FleetSnapshot decode(String encoded) {
    if (encoded == null) {
      return null;
    }
    JsonObject json = new JsonObject(encoded);
    return new FleetSnapshot(json.getLong("cursor"), json.getString("hash"), json.getLong("published_at_ms"),
        json.getString("leader"), json.getJsonObject("state"));
  }

  /** The decoded state; throws {@link IllegalStateException} when it is not a valid state of this format. */
  public ControlPlaneState controlPlaneState() {
    StateFile.Loaded loaded = StateFile.fromJson(state);
    if (loaded instanceof StateFile.Loaded.Ok ok) {
      return ok.state();
    }
    throw new IllegalStateException("cluster snapshot is not a valid state: " + loaded);
  }

  /**
   * True when a node serving {@code own} should take this snapshot: it serves nothing yet, or the snapshot's
   * cursor is newer, or the cursor is equal and the content differs (the cluster's wins).
   */
  public boolean supersedes(SyncVerticle.Served own) {
    if (!own.serving()) {
      return true;
    }
    long ownCursor = own.state().cursor();
    return cursor > ownCursor || (cursor == ownCursor && !hash.equals(own.hash()));
  }
}
