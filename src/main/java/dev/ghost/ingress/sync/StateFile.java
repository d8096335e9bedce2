package dev.ghost.ingress.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last-known-good state on disk (docs/control-plane.md, "Last-known-good"): format version, cursor, routes with
 * their creation event ids, env IPv4 bindings with their ranks, backend sets, and the bookkeeping that keeps a
 * resumed sync idempotent (per-field patch versions, per-env last event ids, route tombstones, the remembered
 * applied event ids). Patches held for routes not yet created are not persisted; a full rebuild recovers them.
 * This file is the base; the changes written since are appended to its journal ({@link StateJournal},
 * {@link StateJournalWriter}), which {@link #read} replays onto it.
 *
 * <p>Blocking I/O: call from a worker thread. Human-readable (pretty-printed JSON):
 * <pre>{@code
 * {"format":"ghost-ingress-state/1","written_at":"2025-12-20T10:00:00Z","cursor":44,
 *  "routes":[{"route_id":"rt_1","app_id":"app_1","env_id":"env_1","hostname":"shop.example.com",
 *             "listen_port":443,"protocol":"tls_passthrough","backend_process_type":"web","backend_port":8443,
 *             "proxy_protocol":"v2","backend_expects_proxy_protocol":true,"ipv4_required":false,
 *             "env_ipv4_address":null,"created_event_id":42,"field_versions":{"backend_port":43}}],
 *  "env_ipv4":[{"env_id":"env_1","app_id":"app_1","ipv4_address":"203.0.113.7","enabled_event_id":40}],
 *  "backends":{"rt_1":["[fd5a:1:2:1::7]:8443"]},
 *  "env_event_ids":{"env_1":40},"deleted_routes":{"rt_0":30},"applied_event_ids":[40,42,43,44]}
 * }</pre>
 */
public final class StateFile {

  /** The value of the {@code format} field this version writes and reads. */
  public static final String FORMAT = "ghost-ingress-state/1";

  /** The base's writer: a generator that does not close the stream it writes to (the caller forces it first). */
  private static final JsonFactory PRETTY = JsonFactory.builder()
      .disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private StateFile() {}

  /** What {@link #read(Path)} found. */
  public sealed interface Loaded {
    /**
     * A valid file of this format: the base with its journal's records applied ({@link StateJournal}).
     *
     * @param state     the state served
     * @param writtenAt when that state was written: the base's time, or the last record's applied
     * @param journal   how the journal's replay went
     */
    record Ok(ControlPlaneState state, Instant writtenAt, StateJournal.Replay journal) implements Loaded {
      /** A base without a journal. */
      public Ok(ControlPlaneState state, Instant writtenAt) {
        this(state, writtenAt, StateJournal.Replay.NONE);
      }
    }

    /** No file at that path. */
    record Missing() implements Loaded {}

    /** Unreadable, truncated, not JSON, wrong types or inconsistent: ignore it and replay from 0. */
    record Corrupt(String reason) implements Loaded {}

    /** A well-formed file of another format version; {@code version} is its {@code format} field. */
    record ForeignVersion(String version) implements Loaded {}
  }

  /**
   * Writes the state as a base stamped with the current time; see {@link #write(Path, ControlPlaneState, Instant)}.
   * A journal beside it names another base, so it is no longer replayed.
   */
  public static long write(Path file, ControlPlaneState state) throws IOException {
    return write(file, state, Instant.now());
  }

  /**
   * Writes the base atomically ({@link #replace}), streamed entry by entry ({@link StateFileStream#write}): a JSON
   * tree of 100 000 routes was several times the file's 55 MB in short-lived maps, and the collections it set off
   * stalled the event loops. One route, env or backend set per line. Returns the bytes written.
   */
  public static long write(Path file, ControlPlaneState state, Instant writtenAt) throws IOException {
    return replace(file, out -> {
      try (JsonGenerator g = PRETTY.createGenerator(out)) {
        g.setPrettyPrinter(new DefaultPrettyPrinter().withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE));
        StateFileStream.write(g, state, writtenAt);
      }
    });
  }

  /** The bytes of a file {@link #replace} writes, written to the stream it is given (which it need not close). */
  @FunctionalInterface
  interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** {@link #replace(Path, Content)} with bytes already made. */
  static long replace(Path file, byte[] bytes) throws IOException {
    return replace(file, out -> out.write(bytes));
  }

  /**
   * Writes atomically: a temp file in the same directory, {@link FileChannel#force(boolean) fsync}, then an
   * {@link StandardCopyOption#ATOMIC_MOVE atomic rename} over {@code file} (and a best-effort fsync of the
   * directory). Readers see the old file or the new one, never a partial one. The temp file is removed on failure.
   * Returns the bytes written.
   */
  static long replace(Path file, Content content) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    boolean moved = false;
    long size;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
        content.writeTo(out);
        out.flush(); // not closed: that would close the channel before it is forced
        ch.force(true);
        size = ch.size();
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system cannot rename atomically in " + dir, e);
      }
      moved = true;
      syncDirectory(dir);
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
    return size;
  }

  /** Makes the rename durable where the platform allows opening a directory; otherwise a no-op. */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not supported everywhere (e.g. Windows); the data itself is already on disk.
    }
  }

  /**
   * Reads a state file: the base, then its journal's records ({@link StateJournal#replay}). Never throws: a missing
   * base is {@link Loaded.Missing} (a journal without its base is ignored), an unreadable or malformed one
   * {@link Loaded.Corrupt}, another format {@link Loaded.ForeignVersion}; a valid base is {@link Loaded.Ok} whatever
   * its journal holds, with the records that apply.
   */
  public static Loaded read(Path file) {
    Loaded base = readBase(file);
    return base instanceof Loaded.Ok ok ? StateJournal.replay(file, ok) : base;
  }

  /** Reads the base alone, like {@link #read} without the journal. */
  static Loaded readBase(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      Loaded.Ok ok = StateFileStream.read(in);
      if (ok != null) {
        return ok;
      }
    } catch (NoSuchFileException e) {
      return new Loaded.Missing();
    } catch (IOException | RuntimeException e) {
      // read again below, which says what is wrong
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return new Loaded.Missing();
    } catch (IOException | RuntimeException e) {
      return new Loaded.Corrupt("unreadable: " + e);
    }
    return parseTree(bytes);
  }

  /**
   * Decodes a state file's bytes. Never throws, like {@link #read}. A valid file is decoded as a stream
   * ({@link StateFileStream}); anything else as a tree, which says what is wrong.
   */
  static Loaded parse(byte[] bytes) {
    Loaded.Ok ok = StateFileStream.read(bytes);
    if (ok != null) {
      return ok;
    }
    return parseTree(bytes);
  }

  /** Decodes a state file's bytes as one JSON tree. Never throws. */
  static Loaded parseTree(byte[] bytes) {
    if (bytes.length == 0) {
      return new Loaded.Corrupt("empty file");
    }
    JsonObject json;
    try {
      json = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return new Loaded.Corrupt("not a JSON object (truncated?): " + e.getMessage());
    }
    return fromJson(json);
  }

  /**
   * Decodes the JSON form {@link #toJson(ControlPlaneState, Instant)} writes (the file's content, also the cluster
   * snapshot's {@code state}). Never throws: a malformed object is {@link Loaded.Corrupt}, another format
   * {@link Loaded.ForeignVersion}.
   */
  public static Loaded fromJson(JsonObject json) {
    Object format = json.getValue("format");
    if (!(format instanceof String f)) {
      return new Loaded.Corrupt("missing format field");
    }
    if (!f.equals(FORMAT)) {
      return new Loaded.ForeignVersion(f);
    }
    try {
      return decode(json);
    } catch (Bad | IllegalArgumentException | NullPointerException | ClassCastException e) {
      return new Loaded.Corrupt(e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  /**
   * Writes the JSON form {@link #toJson} makes to {@code g} entry by entry, without a tree of the whole state (a
   * cluster snapshot at 100 000 routes). Blocking when {@code g} writes to a blocking sink.
   */
  public static void writeJson(JsonGenerator g, ControlPlaneState state, Instant writtenAt) throws IOException {
    StateFileStream.write(g, state, writtenAt);
  }

  /**
   * Reads the state object whose START_OBJECT is {@code p}'s current token, entry by entry, as {@link #read}
   * reads a file; the parser is left on its END_OBJECT. Null when it is not a valid state of this format (decode
   * it with {@link #fromJson} to learn why). Never throws.
   */
  public static Loaded.Ok readJson(JsonParser p) {
    try {
      return StateFileStream.readObject(p);
    } catch (IOException | Bad | IllegalArgumentException | NullPointerException | ClassCastException
        | DateTimeParseException e) {
      return null;
    }
  }

  // ---- encoding

  /** The JSON form of {@code state} stamped {@code writtenAt}: what the file holds (see the class comment). */
  public static JsonObject toJson(ControlPlaneState state, Instant writtenAt) {
    JsonArray routes = new JsonArray();
    for (CpRoute r : state.routes().values()) {
      routes.add(routeJson(r, state.fieldVersions().getOrDefault(r.routeId(), Map.of())));
    }
    JsonArray envs = new JsonArray();
    state.envBindings().values().forEach(b -> envs.add(envJson(b)));
    JsonObject backends = new JsonObject();
    state.backends().forEach((id, set) -> backends.put(id, backendsJson(set)));
    JsonObject envEvents = new JsonObject();
    state.envEventIds().forEach(envEvents::put);
    JsonObject deleted = new JsonObject();
    state.tombstones().forEach(deleted::put);
    JsonArray applied = new JsonArray();
    state.appliedIds().forEach(applied::add);
    return new JsonObject()
        .put("format", FORMAT)
        .put("written_at", writtenAt.toString())
        .put("cursor", state.cursor())
        .put("routes", routes)
        .put("env_ipv4", envs)
        .put("backends", backends)
        .put("env_event_ids", envEvents)
        .put("deleted_routes", deleted)
        .put("applied_event_ids", applied);
  }

  /** One route as the file and a {@link StateDelta} hold it, with its per-field patch versions. */
  static JsonObject routeJson(CpRoute r, Map<RoutePatch.Field, Long> fieldVersions) {
    JsonObject versions = new JsonObject();
    fieldVersions.forEach((f, id) -> versions.put(f.wireName, id));
    return new JsonObject()
        .put("route_id", r.routeId())
        .put("app_id", r.appId())
        .put("env_id", r.envId())
        .put("hostname", r.hostname())
        .put("listen_port", r.listenPort())
        .put("protocol", r.protocol().configName())
        .put("backend_process_type", r.processType())
        .put("backend_port", r.backendPort())
        .put("proxy_protocol", r.proxyV2() ? "v2" : "off")
        .put("backend_expects_proxy_protocol", r.backendExpectsProxyProtocol())
        .put("ipv4_required", r.ipv4Required())
        .put("env_ipv4_address", r.envIpv4AtCreation())
        .put("created_event_id", r.createdEventId())
        .put("field_versions", versions);
  }

  static JsonObject envJson(EnvBinding b) {
    return new JsonObject()
        .put("env_id", b.envId())
        .put("app_id", b.appId())
        .put("ipv4_address", b.ipv4())
        .put("enabled_event_id", b.enabledEventId());
  }

  static JsonArray backendsJson(List<Backend> set) {
    JsonArray addrs = new JsonArray();
    set.forEach(b -> addrs.add(b.toString()));
    return addrs;
  }

  // ---- decoding (strict: any surprise is Corrupt)

  private static Loaded decode(JsonObject json) {
    Parts parts = new Parts();
    parts.head(json);
    for (JsonObject r : objects(json, "routes")) {
      parts.route(r);
    }
    JsonObject backendsJson = object(json, "backends");
    for (String id : backendsJson.fieldNames()) {
      parts.backends(id, backends(backendsJson, id, parts.dedup));
    }
    return parts.finish(json);
  }

  /**
   * A state being decoded, filled part by part: from the whole JSON tree ({@link #decode}), or as the file is
   * streamed ({@link StateFileStream}), with the same checks either way. Throws {@link Bad} (or the exceptions
   * {@link #fromJson} maps to Corrupt) at the first problem.
   */
  static final class Parts {
    final Dedup dedup = new Dedup();
    // kept in arrival order while it is ascending, as the file lists them (SortedEntries), hashed otherwise
    private Map<String, CpRoute> routes = new SortedEntries<>();
    private final Map<String, Map<RoutePatch.Field, Long>> versions = new LinkedHashMap<>();
    private Map<String, List<Backend>> backends = new SortedEntries<>();
    private Instant writtenAt;
    private long cursor;

    /** Reads {@code written_at} and {@code cursor}. */
    void head(JsonObject json) {
      try {
        writtenAt = Instant.parse(text(json, "written_at", true));
      } catch (DateTimeParseException e) {
        throw new Bad("written_at is not an ISO-8601 instant");
      }
      cursor = number(json, "cursor");
    }

    /** One element of {@code routes}. */
    void route(JsonObject r) {
      route(StateFile.route(r, dedup), fieldVersions(object(r, "field_versions")));
    }

    /** One decoded element of {@code routes}: the route and its field versions. */
    void route(CpRoute route, Map<RoutePatch.Field, Long> fv) {
      if (!(routes instanceof SortedEntries<CpRoute> run && run.append(route.routeId(), route))) {
        routes = SortedEntries.anyOrder(routes);
        if (routes.put(route.routeId(), route) != null) {
          throw new Bad("duplicate route " + route.routeId());
        }
      }
      if (!fv.isEmpty()) {
        versions.put(route.routeId(), fv);
      }
    }

    /** One entry of {@code backends}. */
    void backends(String id, List<Backend> set) {
      // its id string, not the parse's second copy of it (found walking the routes when both come in order)
      CpRoute owner = routes instanceof SortedEntries<CpRoute> run ? run.seek(id) : routes.get(id);
      String key = owner == null ? id : owner.routeId();
      List<Backend> shared = dedup.set(set);
      if (!(backends instanceof SortedEntries<List<Backend>> run && run.append(key, shared))) {
        backends = SortedEntries.anyOrder(backends);
        backends.put(key, shared); // a key twice: the last wins, as in the tree
      }
    }

    /** The state, with the small parts read from {@code json}; call {@link #head} first. */
    Loaded.Ok finish(JsonObject json) {
      Map<String, EnvBinding> envs = new LinkedHashMap<>();
      for (JsonObject e : objects(json, "env_ipv4")) {
        EnvBinding b = env(e);
        if (envs.put(b.envId(), b) != null) {
          throw new Bad("duplicate env " + b.envId());
        }
      }
      Map<String, Long> envEvents = longMap(object(json, "env_event_ids"));
      Map<String, Long> deleted = longMap(object(json, "deleted_routes"));
      List<Long> applied = new ArrayList<>();
      for (Object o : array(json, "applied_event_ids")) {
        applied.add(asLong(o, "applied_event_ids"));
      }
      ControlPlaneState state = ControlPlaneState.restore(cursor, routes, envs, backends, versions, envEvents,
          deleted, applied);
      return new Loaded.Ok(state, writtenAt);
    }
  }

  /** A route as {@link #routeJson} wrote it (without its field versions); throws {@link Bad}. */
  static CpRoute route(JsonObject r) {
    return route(r, new Dedup());
  }

  /** Like {@link #route(JsonObject)}, with the app, env and process type shared through {@code dedup}. */
  static CpRoute route(JsonObject r, Dedup dedup) {
    return new CpRoute(text(r, "route_id", true), dedup.text(text(r, "app_id", true)),
        dedup.text(text(r, "env_id", true)), text(r, "hostname", false), (int) intRange(r, "listen_port"),
        Protocol.parse(text(r, "protocol", true)), dedup.text(text(r, "backend_process_type", true)),
        (int) intRange(r, "backend_port"),
        proxy(text(r, "proxy_protocol", true)), bool(r, "backend_expects_proxy_protocol"),
        bool(r, "ipv4_required"), text(r, "env_ipv4_address", false), number(r, "created_event_id"));
  }

  static Map<RoutePatch.Field, Long> fieldVersions(JsonObject fvJson) {
    Map<RoutePatch.Field, Long> fv = new EnumMap<>(RoutePatch.Field.class);
    for (String name : fvJson.fieldNames()) {
      fv.put(RoutePatch.Field.byWireName(name), number(fvJson, name));
    }
    return fv;
  }

  static EnvBinding env(JsonObject e) {
    return new EnvBinding(text(e, "env_id", true), text(e, "app_id", false), text(e, "ipv4_address", true),
        number(e, "enabled_event_id"));
  }

  /** The backend set under {@code key}; throws {@link Bad}. */
  static List<Backend> backends(JsonObject json, String key) {
    return backends(json, key, new Dedup());
  }

  static List<Backend> backends(JsonObject json, String key, Dedup dedup) {
    List<Backend> set = new ArrayList<>();
    for (Object o : array(json, key)) {
      if (!(o instanceof String s)) {
        throw new Bad("backend of " + key + " is not a string");
      }
      set.add(dedup.backend(s));
    }
    return set;
  }

  static boolean proxy(String mode) {
    return switch (mode) {
      case "v2" -> true;
      case "off" -> false;
      default -> throw new Bad("proxy_protocol must be off or v2: " + mode);
    };
  }

  static Map<String, Long> longMap(JsonObject json) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String k : json.fieldNames()) {
      out.put(k, number(json, k));
    }
    return out;
  }

  static String text(JsonObject json, String key, boolean required) {
    Object v = json.getValue(key);
    if (v == null) {
      if (required) {
        throw new Bad("missing " + key);
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new Bad(key + " is not a string");
    }
    return s;
  }

  static long number(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (v == null) {
      throw new Bad("missing " + key);
    }
    long n = asLong(v, key);
    if (n < 0) {
      throw new Bad(key + " is negative");
    }
    return n;
  }

  static long intRange(JsonObject json, String key) {
    long n = number(json, key);
    if (n > Integer.MAX_VALUE) {
      throw new Bad(key + " out of range");
    }
    return n;
  }

  static long asLong(Object v, String key) {
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    throw new Bad(key + " is not an integer");
  }

  private static boolean bool(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof Boolean b)) {
      throw new Bad(key + " is not a boolean");
    }
    return b;
  }

  static JsonObject object(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof JsonObject o)) {
      throw new Bad(key + " is not an object");
    }
    return o;
  }

  static JsonArray array(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof JsonArray a)) {
      throw new Bad(key + " is not an array");
    }
    return a;
  }

  static List<JsonObject> objects(JsonObject json, String key) {
    List<JsonObject> out = new ArrayList<>();
    for (Object o : array(json, key)) {
      if (!(o instanceof JsonObject obj)) {
        throw new Bad(key + " holds a non-object");
      }
      out.add(obj);
    }
    return out;
  }

  /** A content problem with its reason; never escapes {@link #read(Path)}. */
  static final class Bad extends RuntimeException {
    Bad(String reason) {
      super(reason, null, false, false);
    }
  }
}
