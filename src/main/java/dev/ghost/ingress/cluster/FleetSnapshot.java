package dev.ghost.ingress.cluster;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.sync.SyncVerticle;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The routing state the leader shares through the cluster map {@value FleetCoordinator#ROUTING_MAP} (key
 * {@value FleetCoordinator#SNAPSHOT_KEY}), as a JSON string:
 * {@code {"cursor", "hash", "published_at_ms", "leader", "state": <the state file's JSON>}}.
 *
 * <p>Its version is ({@code cursor}, {@code hash}). A node takes a snapshot only if it is not older than what it
 * serves ({@link #supersedes}), so a stale or empty cluster never overwrites a newer local last-known-good.
 *
 * <p>The state is written and read entry by entry ({@link StateFile#writeJson}, {@link StateFile#readJson}): at
 * 100 000 routes the snapshot is 55 MB of text, and a JSON tree of it, on the leader that writes it and on every
 * node that reads it, was several times that in short-lived maps, enough to set off the long collections that
 * stalled nodes while they started. A snapshot read from the map keeps its text and decodes the state only when
 * {@link #controlPlaneState()} is asked (the version alone is enough to decide whether it is needed).
 *
 * @param cursor        control-plane cursor of the state
 * @param hash          {@link ControlPlaneState#contentHash()}
 * @param publishedAtMs leader's wall clock when this content was first published
 * @param leader        node id of the publishing leader
 * @param body          the state, as made here or as read from the map; null for a version only
 */
public record FleetSnapshot(long cursor, String hash, long publishedAtMs, String leader, Body body) {

  private static final JsonFactory JSON = JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
      .build();
  /** The encoded size of a route in a state, roughly: the first guess of the encoder's buffer. */
  private static final int BYTES_PER_ROUTE = 560;

  /** The state a snapshot carries. */
  public sealed interface Body {
    /** A state made on this node, encoded when the snapshot is. */
    record Made(ControlPlaneState state) implements Body {}

    /** A snapshot's text as read from the map; its state is decoded on demand. */
    record Read(String encoded) implements Body {}
  }

  /** The snapshot of {@code served}, published by {@code leader} at {@code publishedAtMs}. */
  public static FleetSnapshot of(SyncVerticle.Served served, String leader, long publishedAtMs) {
    return new FleetSnapshot(served.state().cursor(), served.hash(), publishedAtMs, leader,
        new Body.Made(served.state()));
  }

  /** Encodes for the cluster map (a snapshot read from it encodes to the text it was read from). */
  public String encode() {
    if (body instanceof Body.Read read) {
      return read.encoded();
    }
    ControlPlaneState state = ((Body.Made) body).state();
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + BYTES_PER_ROUTE * state.routes().size());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("cursor", cursor);
      g.writeStringField("hash", hash);
      g.writeNumberField("published_at_ms", publishedAtMs);
      g.writeStringField("leader", leader);
      g.writeFieldName("state");
      StateFile.writeJson(g, state, Instant.ofEpochMilli(publishedAtMs));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: only a bug gets here
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Decodes what {@link #encode()} wrote; null for null. Throws {@link IllegalArgumentException} on a malformed
   * value (not JSON, a version field missing or of the wrong type, no state object); the state itself is checked
   * when {@link #controlPlaneState()} decodes it.
   */
  public static FleetSnapshot decode(String encoded) {
    if (encoded == null) {
      return null;
    }
    try (JsonParser p = JSON.createParser(encoded)) {
      Header h = Header.read(p);
      return new FleetSnapshot(h.cursor, h.hash, h.publishedAtMs, h.leader, new Body.Read(encoded));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a snapshot: " + e.getMessage(), e);
    }
  }

  /** The decoded state; throws {@link IllegalStateException} when it is not a valid state of this format. */
  public ControlPlaneState controlPlaneState() {
    if (body instanceof Body.Made made) {
      return made.state();
    }
    if (!(body instanceof Body.Read read)) {
      throw new IllegalStateException("a snapshot version carries no state");
    }
    try (JsonParser p = JSON.createParser(read.encoded())) {
      if (Header.toState(p)) {
        StateFile.Loaded.Ok ok = StateFile.readJson(p);
        if (ok != null) {
          return ok.state();
        }
      }
    } catch (IOException e) {
      // decoded again below, which says what is wrong
    }
    StateFile.Loaded loaded;
    try {
      loaded = StateFile.fromJson(new JsonObject(read.encoded()).getJsonObject("state"));
    } catch (RuntimeException e) {
      throw new IllegalStateException("cluster snapshot is not a valid state: " + e.getMessage(), e);
    }
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

  /** The version fields of an encoded snapshot, read past its state without decoding it. */
  private static final class Header {
    Long cursor;
    String hash;
    Long publishedAtMs;
    String leader;
    boolean state;

    static Header read(JsonParser p) throws IOException {
      Header h = new Header();
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "cursor" -> h.cursor = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : null;
          case "hash" -> h.hash = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "published_at_ms" -> h.publishedAtMs = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : null;
          case "leader" -> h.leader = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "state" -> h.state = t == JsonToken.START_OBJECT;
          default -> { }
        }
        p.skipChildren(); // the state's text is checked here as JSON; its content when it is decoded
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null || h.cursor == null || h.hash == null
          || h.publishedAtMs == null || h.leader == null || !h.state) {
        throw new IllegalArgumentException("not a snapshot: a version field or the state is missing");
      }
      return h;
    }

    /** Moves {@code p} to the START_OBJECT of the state; false when there is none. */
    static boolean toState(JsonParser p) throws IOException {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        boolean state = "state".equals(p.currentName());
        if (p.nextToken() == JsonToken.START_OBJECT && state) {
          return true;
        }
        p.skipChildren();
      }
      return false;
    }
  }
}
