package dev.ghost.ingress.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state file decoded as it is read, one route at a time, for the start from the state file: the whole file as
 * one JSON tree (55 MB of text at 100 000 routes, several times that as maps) took most of that start and its peak
 * heap. A route is read field by field with the checks of {@link StateFile#route(JsonObject)}, then goes through
 * {@link StateFile.Parts} like the tree's routes and backend sets.
 *
 * <p>Only a well-formed file of this format is decoded here: anything else (not JSON, truncated, another format, a
 * key twice, a wrong type, an inconsistent state) gives null, and the caller decodes the file as a tree, which
 * says what is wrong. So this path decides nothing the tree path would decide differently.
 */
final class StateFileStream {

  /** Field names are not interned: the backend sets are keyed by 100 000 route ids read once. */
  private static final JsonFactory JSON = JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
      .build();

  /**
   * For many small documents: field names not canonicalised at all. A parser's symbol table is copied from the
   * factory's and merged back, so across a journal's records, each keyed by other route and event ids, the table
   * grew with every record and each copy cost more (4 096 records took seconds).
   */
  private static final JsonFactory RECORDS = JsonFactory.builder()
      .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();

  private StateFileStream() {}

  /** The decoded state, or null when the tree decoder has to say what is wrong. Never throws. */
  static StateFile.Loaded.Ok read(InputStream in) {
    try (JsonParser p = JSON.createParser(in)) {
      return read(p);
    } catch (IOException | StateFile.Bad | IllegalArgumentException | NullPointerException | ClassCastException
        | DateTimeParseException e) {
      return null;
    }
  }

  /** Like {@link #read(InputStream)}, from the file's bytes. */
  static StateFile.Loaded.Ok read(byte[] bytes) {
    try (JsonParser p = JSON.createParser(bytes)) {
      return read(p);
    } catch (IOException | StateFile.Bad | IllegalArgumentException | NullPointerException | ClassCastException
        | DateTimeParseException e) {
      return null;
    }
  }

  private static StateFile.Loaded.Ok read(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    StateFile.Loaded.Ok ok = readObject(p);
    return ok != null && p.nextToken() == null ? ok : null;
  }

  /**
   * The state object whose START_OBJECT is the parser's current token, read to its END_OBJECT (which stays the
   * current token): the state file's content, or a cluster snapshot's {@code state}. Null as {@link #read} says;
   * throws what the parser and the checks throw.
   */
  static StateFile.Loaded.Ok readObject(JsonParser p) throws IOException {
    StateFile.Parts parts = new StateFile.Parts();
    JsonObject head = new JsonObject();
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (!seen.add(name)) {
        return null; // the tree keeps the last of the two; not worth copying
      }
      p.nextToken();
      boolean ok = switch (name) {
        case "routes" -> routes(p, parts);
        case "backends" -> backends(p, parts);
        default -> {
          head.put(name, value(p));
          yield true;
        }
      };
      if (!ok) {
        return null;
      }
    }
    if (p.currentToken() != JsonToken.END_OBJECT
        || !StateFile.FORMAT.equals(head.getValue("format")) || !seen.contains("routes")
        || !seen.contains("backends")) {
      return null;
    }
    parts.head(head);
    return parts.finish(head);
  }

  /**
   * Writes {@code state} as {@link StateFile#toJson} holds it, one entry at a time and field by field: neither the
   * tree of a whole state (150 MB of small maps at 100 000 routes) nor an object and a text per entry (8 bytes
   * allocated per byte written) is made. The entries are written as {@link StateFile#routeJson},
   * {@link StateFile#envJson} and {@link StateFile#backendsJson} make them (StateFileStreamTest holds the two
   * forms equal).
   */
  static void write(JsonGenerator g, ControlPlaneState state, Instant writtenAt) throws IOException {
    g.writeStartObject();
    g.writeStringField("format", StateFile.FORMAT);
    g.writeStringField("written_at", writtenAt.toString());
    g.writeNumberField("cursor", state.cursor());
    g.writeArrayFieldStart("routes");
    for (CpRoute r : state.routes().values()) {
      writeRoute(g, r, state.fieldVersions().getOrDefault(r.routeId(), Map.of()));
    }
    g.writeEndArray();
    g.writeArrayFieldStart("env_ipv4");
    for (EnvBinding b : state.envBindings().values()) {
      writeEnv(g, b);
    }
    g.writeEndArray();
    g.writeObjectFieldStart("backends");
    for (Map.Entry<String, List<Backend>> e : state.backends().entrySet()) {
      g.writeFieldName(e.getKey());
      g.writeStartArray();
      for (Backend b : e.getValue()) {
        g.writeString(b.toString());
      }
      g.writeEndArray();
    }
    g.writeEndObject();
    writeIds(g, "env_event_ids", state.envEventIds());
    writeIds(g, "deleted_routes", state.tombstones());
    g.writeArrayFieldStart("applied_event_ids");
    for (long id : state.appliedIds()) {
      g.writeNumber(id);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** One route, as {@link StateFile#routeJson} makes it. */
  private static void writeRoute(JsonGenerator g, CpRoute r, Map<RoutePatch.Field, Long> fieldVersions)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("route_id", r.routeId());
    g.writeStringField("app_id", r.appId());
    g.writeStringField("env_id", r.envId());
    g.writeStringField("hostname", r.hostname());
    g.writeNumberField("listen_port", r.listenPort());
    g.writeStringField("protocol", r.protocol().configName());
    g.writeStringField("backend_process_type", r.processType());
    g.writeNumberField("backend_port", r.backendPort());
    g.writeStringField("proxy_protocol", r.proxyV2() ? "v2" : "off");
    g.writeBooleanField("backend_expects_proxy_protocol", r.backendExpectsProxyProtocol());
    g.writeBooleanField("ipv4_required", r.ipv4Required());
    g.writeStringField("env_ipv4_address", r.envIpv4AtCreation());
    g.writeNumberField("created_event_id", r.createdEventId());
    g.writeObjectFieldStart("field_versions");
    for (Map.Entry<RoutePatch.Field, Long> v : fieldVersions.entrySet()) {
      g.writeNumberField(v.getKey().wireName, v.getValue());
    }
    g.writeEndObject();
    g.writeEndObject();
  }

  /** One IPv4 binding, as {@link StateFile#envJson} makes it. */
  private static void writeEnv(JsonGenerator g, EnvBinding b) throws IOException {
    g.writeStartObject();
    g.writeStringField("env_id", b.envId());
    g.writeStringField("app_id", b.appId());
    g.writeStringField("ipv4_address", b.ipv4());
    g.writeNumberField("enabled_event_id", b.enabledEventId());
    g.writeEndObject();
  }

  private static void writeIds(JsonGenerator g, String field, Map<String, Long> ids) throws IOException {
    g.writeObjectFieldStart(field);
    for (Map.Entry<String, Long> e : ids.entrySet()) {
      g.writeNumberField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  /** {@code routes}: an array of route objects, each decoded as soon as it is read. */
  private static boolean routes(JsonParser p, StateFile.Parts parts) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      return false;
    }
    RouteFields fields = new RouteFields(parts.dedup); // one for all routes: its arrays are per route otherwise
    while (p.nextToken() == JsonToken.START_OBJECT) {
      if (!route(p, parts, fields.reset())) {
        return false;
      }
    }
    return p.currentToken() == JsonToken.END_ARRAY;
  }

  /**
   * One route object read field by field, without a map of it (a map per route was most of the garbage of a
   * 100 000-route read): each field of the type {@link StateFile#route(JsonObject)} requires, or false (a field
   * twice, a null, a wrong type or range, one missing), and the tree decides.
   */
  private static boolean route(JsonParser p, StateFile.Parts parts, RouteFields f) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      if (!f.read(name, t, p)) {
        return false;
      }
    }
    if (!f.complete()) {
      return false;
    }
    String[] t = f.texts;
    parts.route(new CpRoute(t[0], t[1], t[2], t[3], (int) f.numbers[0], Protocol.parse(t[4]), t[5],
        (int) f.numbers[1], StateFile.proxy(t[6]), f.flags[0], f.flags[1], t[7], f.numbers[2]),
        f.versions == null ? Map.of() : f.versions);
    return true;
  }

  /** The fields of one route as read; reused from route to route ({@link #reset}). */
  private static final class RouteFields {
    final String[] texts = new String[TEXTS.size()];
    final long[] numbers = new long[3];
    final Boolean[] flags = new Boolean[2];
    /** The field versions, null while there are none (most routes). */
    Map<RoutePatch.Field, Long> versions;
    boolean versionsRead;
    int seen;
    private final Dedup dedup;

    static final List<String> TEXTS = List.of("route_id", "app_id", "env_id", "hostname", "protocol",
        "backend_process_type", "proxy_protocol", "env_ipv4_address");
    static final List<String> NUMBERS = List.of("listen_port", "backend_port", "created_event_id");
    static final List<String> FLAGS = List.of("backend_expects_proxy_protocol", "ipv4_required");
    /** Texts that may be null (the others are required). */
    static final Set<String> OPTIONAL = Set.of("hostname", "env_ipv4_address");
    /** Texts every route of an env or group repeats: shared, and found without making a string ({@link Dedup}). */
    static final Set<String> SHARED = Set.of("app_id", "env_id", "protocol", "backend_process_type",
        "proxy_protocol", "env_ipv4_address");
    private static final boolean[] SHARED_AT = new boolean[TEXTS.size()];
    private static final boolean[] OPTIONAL_AT = new boolean[TEXTS.size()];
    /** Each known field's slot: texts, then numbers, then flags (each below its end), then the field versions. */
    private static final Map<String, Integer> SLOTS = new java.util.HashMap<>();
    private static final int TEXT_END = TEXTS.size();
    private static final int NUMBER_END = TEXT_END + NUMBERS.size();
    private static final int FLAG_END = NUMBER_END + FLAGS.size();

    static {
      for (int i = 0; i < TEXTS.size(); i++) {
        SHARED_AT[i] = SHARED.contains(TEXTS.get(i));
        OPTIONAL_AT[i] = OPTIONAL.contains(TEXTS.get(i));
        SLOTS.put(TEXTS.get(i), i);
      }
      for (int i = 0; i < NUMBERS.size(); i++) {
        SLOTS.put(NUMBERS.get(i), TEXT_END + i);
      }
      for (int i = 0; i < FLAGS.size(); i++) {
        SLOTS.put(FLAGS.get(i), NUMBER_END + i);
      }
      SLOTS.put("field_versions", FLAG_END);
    }

    RouteFields(Dedup dedup) {
      this.dedup = dedup;
    }

    /** Ready for the next route. */
    RouteFields reset() {
      Arrays.fill(texts, null);
      Arrays.fill(numbers, -1);
      Arrays.fill(flags, null);
      versions = null;
      versionsRead = false;
      seen = 0;
      return this;
    }

    boolean read(String name, JsonToken t, JsonParser p) throws IOException {
      Integer slot = SLOTS.get(name); // one probe: the parser hands the same name string for every route
      int i = slot == null ? -1 : slot;
      if (i < 0) {
        p.skipChildren(); // the tree decoder ignores other fields too
      } else if (i < TEXT_END) {
        if (!first(i) || (t != JsonToken.VALUE_STRING && !(t == JsonToken.VALUE_NULL && OPTIONAL_AT[i]))) {
          return false;
        }
        texts[i] = t == JsonToken.VALUE_NULL ? null
            : SHARED_AT[i] ? dedup.text(p.getTextCharacters(), p.getTextOffset(), p.getTextLength()) : p.getText();
      } else if (i < NUMBER_END) {
        long n = wholeNumber(t, p);
        if (!first(i) || n < 0 || (i < TEXT_END + 2 && n > Integer.MAX_VALUE)) {
          return false;
        }
        numbers[i - TEXT_END] = n;
      } else if (i < FLAG_END) {
        if (!first(i) || (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE)) {
          return false;
        }
        flags[i - NUMBER_END] = t == JsonToken.VALUE_TRUE;
      } else {
        return !versionsRead && t == JsonToken.START_OBJECT && readVersions(p);
      }
      return true;
    }

    private boolean first(int bit) {
      boolean fresh = (seen & (1 << bit)) == 0;
      seen |= 1 << bit;
      return fresh;
    }

    private boolean readVersions(JsonParser p) throws IOException {
      versionsRead = true;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        if (versions == null) {
          versions = new EnumMap<>(RoutePatch.Field.class);
        }
        RoutePatch.Field field = RoutePatch.Field.byWireName(p.currentName());
        long n = wholeNumber(p.nextToken(), p);
        if (n < 0) {
          return false;
        }
        versions.put(field, n);
      }
      return true;
    }

    /** Every required field present (the optional texts may be absent, as in the tree). */
    boolean complete() {
      for (int i = 0; i < TEXTS.size(); i++) {
        if (texts[i] == null && !OPTIONAL.contains(TEXTS.get(i))) {
          return false;
        }
      }
      return numbers[0] >= 0 && numbers[1] >= 0 && numbers[2] >= 0 && flags[0] != null && flags[1] != null
          && versionsRead;
    }
  }

  /** An integer that fits a long, or -1 (negative values are refused as well). */
  private static long wholeNumber(JsonToken t, JsonParser p) throws IOException {
    if (t != JsonToken.VALUE_NUMBER_INT) {
      return -1;
    }
    JsonParser.NumberType type = p.getNumberType();
    return type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG ? p.getLongValue() : -1;
  }

  /** {@code backends}: route id to an array of address strings. */
  private static boolean backends(JsonParser p, StateFile.Parts parts) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      return false;
    }
    List<Backend> set = new ArrayList<>(2);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String id = p.currentName();
      if (p.nextToken() != JsonToken.START_ARRAY) {
        return false;
      }
      set.clear(); // one list for all: Parts keeps a shared copy of it
      while (p.nextToken() == JsonToken.VALUE_STRING) {
        set.add(parts.dedup.backend(parts.dedup.text(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())));
      }
      if (p.currentToken() != JsonToken.END_ARRAY) {
        return false;
      }
      parts.backends(id, set);
    }
    return true;
  }

  /**
   * One JSON object from {@code bytes[from, from + length)}, as {@code new JsonObject(String)} would decode it but
   * without a symbol table ({@link #RECORDS}: a journal's records are keyed by route and event ids read once); throws
   * {@link IllegalArgumentException} when those bytes are not exactly one JSON object.
   */
  static JsonObject object(byte[] bytes, int from, int length) {
    try (JsonParser p = RECORDS.createParser(bytes, from, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      JsonObject o = object(p);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("more than one JSON value");
      }
      return o;
    } catch (IOException | StateFile.Bad e) {
      throw new IllegalArgumentException("not a JSON object", e);
    }
  }

  /** The value at the current token, as the tree decoder would hold it. */
  private static Object value(JsonParser p) throws IOException {
    return switch (p.currentToken()) {
      case START_OBJECT -> object(p);
      case START_ARRAY -> array(p);
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new StateFile.Bad("unexpected " + p.currentToken());
    };
  }

  private static JsonObject object(JsonParser p) throws IOException {
    JsonObject o = new JsonObject();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      o.put(name, value(p));
    }
    return o;
  }

  private static JsonArray array(JsonParser p) throws IOException {
    JsonArray a = new JsonArray();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      a.add(value(p));
    }
    return a;
  }
}
