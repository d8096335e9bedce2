package dev.ghost.ingress.cluster;

import com.fasterxml.jackson.core.Base64Variant;
import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.sync.SyncVerticle;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * The routing state the leader shares through the cluster map {@value FleetCoordinator#ROUTING_MAP} (key
 * {@value FleetCoordinator#SNAPSHOT_KEY}), as a JSON string:
 * {@code {"cursor", "hash", "published_at_ms", "leader", "state": <the state file's JSON>}}, or with
 * {@code "state_zlib": "<that JSON compressed, in Base64>"} instead of {@code state} ({@link Form}).
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
  /** The compressed size of a route, roughly (12–32 bytes measured): the first guess of a compressed buffer. */
  private static final int ZLIB_BYTES_PER_ROUTE = 32;
  /**
   * zlib's fastest level: at 100 000 routes 38.8 MB of state compress to 1.2 MB in ≈ 50 ms (level 6: 1.1 MB in
   * ≈ 150–230 ms).
   */
  private static final int ZLIB_LEVEL = Deflater.BEST_SPEED;
  /** Base64 as RFC 4648 section 4 writes it: standard alphabet, padded, one line. */
  private static final Base64Variant BASE64 = Base64Variants.MIME_NO_LINEFEEDS;
  /**
   * Most bytes a compressed state may inflate to (about 2.7 million routes): a value that would inflate further is
   * refused before it is all read, whoever sealed it.
   */
  static final long MAX_INFLATED_BYTES = 1L << 30;

  /**
   * How a snapshot carries its state: the field that holds it. Every version reads {@link #PLAIN}; a node says in
   * its membership proof which others it reads, and the leader writes {@link #ZLIB} only when every trusted member
   * does ({@link FleetCoordinator}).
   */
  public enum Form {
    /** The state file's JSON object, as it is. */
    PLAIN("state", JsonToken.START_OBJECT),
    /**
     * The state file's JSON compressed in the zlib format (RFC 1950: DEFLATE with an Adler-32 check) and written
     * as a Base64 string (RFC 4648 section 4): 44.5 MB become a 1.8 MB value at 100 000 routes, so the leader's
     * put, the partition owner's copy and backup and every follower's get move 30 times fewer bytes.
     */
    ZLIB("state_zlib", JsonToken.VALUE_STRING);

    private final String field;
    /** The token the field's value starts with in this form. */
    private final JsonToken token;

    Form(String field, JsonToken token) {
      this.field = field;
      this.token = token;
    }

    /** The snapshot's field that holds the state in this form. */
    public String field() {
      return field;
    }

    /** The form whose state field {@code name} is, with a value starting with {@code t}; null for none. */
    static Form of(String name, JsonToken t) {
      for (Form f : values()) {
        if (f.field.equals(name) && f.token == t) {
          return f;
        }
      }
      return null;
    }
  }

  /** The state a snapshot carries. */
  public sealed interface Body {
    /** A state made on this node, encoded when the snapshot is. */
    record Made(ControlPlaneState state) implements Body {}

    /** A snapshot's text as read from the map (UTF-8), its state in {@code form}; decoded on demand. */
    record Read(Utf8Text encoded, Form form) implements Body {}
  }

  /** The snapshot of {@code served}, published by {@code leader} at {@code publishedAtMs}. */
  public static FleetSnapshot of(SyncVerticle.Served served, String leader, long publishedAtMs) {
    return new FleetSnapshot(served.state().cursor(), served.hash(), publishedAtMs, leader,
        new Body.Made(served.state()));
  }

  /**
   * Encodes for the cluster map in {@link Form#PLAIN} (a snapshot read from it encodes to the text it was read
   * from).
   */
  public String encode() {
    return encodeUtf8(Form.PLAIN).text();
  }

  /**
   * Encodes for the cluster map as UTF-8 bytes, the state in {@code form}, without a {@code String} of them (a
   * snapshot read from it encodes to the bytes it was read as, whatever {@code form}): what the leader seals
   * ({@link BaseEnvelope}).
   */
  public Utf8Text encodeUtf8(Form form) {
    if (body instanceof Body.Read read) {
      return read.encoded();
    }
    ControlPlaneState state = ((Body.Made) body).state();
    byte[] zlib = form == Form.ZLIB ? compressed(state) : null;
    int size = zlib != null ? zlib.length * 4 / 3 + 4 : BYTES_PER_ROUTE * state.routes().size();
    Utf8Text.Sink out = new Utf8Text.Sink(256 + size);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("cursor", cursor);
      g.writeStringField("hash", hash);
      g.writeNumberField("published_at_ms", publishedAtMs);
      g.writeStringField("leader", leader);
      g.writeFieldName(form.field());
      if (zlib != null) {
        g.writeBinary(BASE64, zlib, 0, zlib.length);
      } else {
        StateFile.writeJson(g, state, stateWrittenAt());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: only a bug gets here
    }
    return out.taken();
  }

  private Instant stateWrittenAt() {
    return Instant.ofEpochMilli(publishedAtMs);
  }

  /** The state's JSON through zlib, encoded straight into the compressor: the JSON itself is never held whole. */
  private byte[] compressed(ControlPlaneState state) {
    Utf8Text.Sink packed = new Utf8Text.Sink(64 + ZLIB_BYTES_PER_ROUTE * state.routes().size());
    Deflater deflater = new Deflater(ZLIB_LEVEL);
    try (JsonGenerator g = JSON.createGenerator(new DeflaterOutputStream(packed, deflater, 1 << 16))) {
      StateFile.writeJson(g, state, stateWrittenAt());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: only a bug gets here
    } finally {
      deflater.end(); // a deflater handed to the stream is not ended by it
    }
    return packed.toByteArray();
  }

  /** The form its state is in: as read, or {@link Form#PLAIN} for one made here (encoded as asked). */
  public Form form() {
    return body instanceof Body.Read read ? read.form() : Form.PLAIN;
  }

  /**
   * Decodes what {@link #encode()} wrote; null for null. Throws {@link IllegalArgumentException} on a malformed
   * value (not JSON, a version field missing or of the wrong type, no state object); the state itself is checked
   * when {@link #controlPlaneState()} decodes it.
   */
  public static FleetSnapshot decode(String encoded) {
    return encoded == null ? null : decodeUtf8(Utf8Text.of(encoded));
  }

  /** Like {@link #decode(String)}, from UTF-8 bytes (as {@link BaseEnvelope} opens a base); null for null. */
  public static FleetSnapshot decodeUtf8(Utf8Text encoded) {
    if (encoded == null) {
      return null;
    }
    try (JsonParser p = parser(encoded)) {
      Header h = Header.read(p, encoded);
      return new FleetSnapshot(h.cursor, h.hash, h.publishedAtMs, h.leader, new Body.Read(encoded, h.form()));
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
    try (JsonParser p = parser(read.encoded())) {
      Form form = Header.toState(p);
      if (form == Form.ZLIB) {
        return inflated(base64(p), MAX_INFLATED_BYTES);
      }
      if (form == Form.PLAIN) {
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
      loaded = StateFile.fromJson(new JsonObject(read.encoded().text()).getJsonObject("state"));
    } catch (RuntimeException e) {
      throw new IllegalStateException("cluster snapshot is not a valid state: " + e.getMessage(), e);
    }
    if (loaded instanceof StateFile.Loaded.Ok ok) {
      return ok.state();
    }
    throw new IllegalStateException("cluster snapshot is not a valid state: " + loaded);
  }

  private static byte[] base64(JsonParser p) {
    try {
      return p.getBinaryValue(BASE64);
    } catch (IOException e) {
      throw new IllegalStateException("cluster snapshot is not a valid state: its compressed state is not Base64", e);
    }
  }

  /**
   * The state in {@code zlib}, decoded entry by entry from the inflating stream (the JSON is never held whole);
   * throws {@link IllegalStateException} when the stream is corrupt (its Adler-32 check or its DEFLATE blocks), would
   * inflate beyond {@code maxBytes}, or is not exactly one valid state object.
   */
  static ControlPlaneState inflated(byte[] zlib, long maxBytes) {
    Inflater inflater = new Inflater();
    try (JsonParser p = JSON.createParser(new Capped(new InflaterInputStream(new ByteArrayInputStream(zlib),
        inflater, 1 << 16), maxBytes))) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        StateFile.Loaded.Ok ok = StateFile.readJson(p);
        if (ok != null && p.nextToken() == null) {
          return ok.state();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cluster snapshot is not a valid state: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
    throw new IllegalStateException("cluster snapshot is not a valid state: its compressed state is corrupt, over "
        + maxBytes + " bytes inflated, or not one state object");
  }

  /** A stream that fails once more than {@code max} bytes were read from it (an inflating stream's bound). */
  private static final class Capped extends FilterInputStream {
    private final long max;
    private long read;

    Capped(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      return n < 0 ? n : counted(n);
    }

    private int counted(int n) throws IOException {
      read += n;
      if (read > max) {
        throw new IOException("inflates to over " + max + " bytes");
      }
      return n;
    }
  }

  private static JsonParser parser(Utf8Text text) throws IOException {
    return JSON.createParser(text.bytes(), 0, text.length());
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
    boolean zlib;

    /**
     * The version fields of {@code text}, parsed by {@code p} (over it). The state, 44.5 MB at 100 000 routes, is
     * only checked to be one whole JSON object here, by a scan of its brackets and strings
     * ({@link StateExtent#end}), when it is the last field (as every version writes it); its content is checked
     * when it is decoded. A value with fields after the state is parsed through as JSON.
     */
    static Header read(JsonParser p, Utf8Text text) throws IOException {
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
          default -> h.readState(name, t);
        }
        if (Form.PLAIN.field().equals(name) && h.state && !h.zlib && h.versioned()
            && StateExtent.isLast(text, (int) p.currentTokenLocation().getByteOffset())) {
          return h;
        }
        p.skipChildren(); // the state's text is checked here as JSON; its content when it is decoded
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null || !h.versioned()
          || h.state == h.zlib) {
        throw new IllegalArgumentException("not a snapshot: a version field or the state is missing (or twice)");
      }
      return h;
    }

    /** The state's field: an object in {@link Form#PLAIN}, a string (checked when decoded) in {@link Form#ZLIB}. */
    void readState(String name, JsonToken t) {
      if (Form.PLAIN.field().equals(name)) {
        state = Form.of(name, t) == Form.PLAIN;
      } else if (Form.ZLIB.field().equals(name)) {
        zlib = Form.of(name, t) == Form.ZLIB;
      }
    }

    Form form() {
      return zlib ? Form.ZLIB : Form.PLAIN;
    }

    boolean versioned() {
      return cursor != null && hash != null && publishedAtMs != null && leader != null;
    }

    /**
     * Moves {@code p} to the state: the START_OBJECT of {@link Form#PLAIN}'s or the string of {@link Form#ZLIB}'s;
     * the form found, or null when there is none.
     */
    static Form toState(JsonParser p) throws IOException {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        Form form = Form.of(p.currentName(), p.nextToken());
        if (form != null) {
          return form;
        }
        p.skipChildren();
      }
      return null;
    }
  }

  /** Where an encoded snapshot's state ends, found by a scan of its bytes rather than by a JSON parser. */
  static final class StateExtent {

    private StateExtent() {}

    /**
     * True when the object opening at {@code start} is closed, and only the snapshot's own closing brace (and
     * whitespace) follows it. Throws {@link IllegalArgumentException} when it is never closed (a truncated value).
     */
    static boolean isLast(Utf8Text text, int start) {
      byte[] b = text.bytes();
      int i = skipWhitespace(b, end(b, start, text.length()), text.length());
      if (i >= text.length() || b[i] != '}') {
        return false;
      }
      return skipWhitespace(b, i + 1, text.length()) == text.length();
    }

    /**
     * The index after the bracket that closes the one at {@code start}: brackets are counted outside strings, and
     * a string ends at its first quote not escaped by a backslash (UTF-8 continuation bytes are never either).
     */
    static int end(byte[] b, int start, int length) {
      int depth = 0;
      int i = start;
      while (i < length) {
        byte c = b[i++];
        if (c == '"') {
          while (true) {
            if (i >= length) {
              throw new IllegalArgumentException("not a snapshot: the state's text ends inside a string");
            }
            byte d = b[i++];
            if (d == '\\') {
              i++;
            } else if (d == '"') {
              break;
            }
          }
        } else if (c == '{' || c == '[') {
          depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
          return i;
        }
      }
      throw new IllegalArgumentException("not a snapshot: the state's text is not closed");
    }

    private static int skipWhitespace(byte[] b, int i, int length) {
      while (i < length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
        i++;
      }
      return i;
    }
  }
}
