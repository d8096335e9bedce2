package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between two {@link ControlPlaneState}s: the routes, env bindings, backend sets and idempotence
 * bookkeeping that were added or replaced (upserts) or dropped (removals), and the new cursor. Its size grows with
 * the change, not with the table: a fleet leader replicates one per change instead of the whole state (issue 11).
 *
 * <p>{@code apply(diff(a, b), a)} equals {@code b} as the state file would restore it (patches held for routes not
 * created yet are not carried, as in the state file). Applying to a state other than {@code a} gives a state that
 * may differ from {@code b}: the receiver checks the result's content hash against the one it was told.
 *
 * @param cursor the cursor of the new state
 * @param maps   per part ({@link Part}): the keys added or replaced with their new JSON value
 * @param drops  per part: the keys removed
 */
public record StateDelta(long cursor, Map<Part, Map<String, Object>> maps, Map<Part, Set<String>> drops) {

  /** The keyed parts of a state a delta covers, each with its JSON field name. */
  public enum Part {
    /** Routes by id (the state file's route objects, field versions left out: see {@link #FIELD_VERSIONS}). */
    ROUTES("routes"),
    /** Per-field patch versions by route id. */
    FIELD_VERSIONS("field_versions"),
    /** Env IPv4 bindings by env id. */
    ENV_IPV4("env_ipv4"),
    /** Backend sets by route id. */
    BACKENDS("backends"),
    /** Last applied env event id by env id. */
    ENV_EVENT_IDS("env_event_ids"),
    /** Route tombstones by route id. */
    DELETED_ROUTES("deleted_routes"),
    /** Remembered applied event ids (the key is the id, the value true). */
    APPLIED_EVENT_IDS("applied_event_ids");

    final String field;

    Part(String field) {
      this.field = field;
    }
  }

  /** Copies; sorted, so equal deltas encode to equal bytes. */
  public StateDelta {
    Map<Part, Map<String, Object>> m = new TreeMap<>();
    Map<Part, Set<String>> d = new TreeMap<>();
    for (Part p : Part.values()) {
      m.put(p, new TreeMap<>(maps.getOrDefault(p, Map.of())));
      d.put(p, new TreeSet<>(drops.getOrDefault(p, Set.of())));
    }
    maps = m;
    drops = d;
  }

  /** The change that turns {@code from} into {@code to}. Linear in the table size (map comparisons only). */
  public static StateDelta diff(ControlPlaneState from, ControlPlaneState to) {
    Map<Part, Map<String, Object>> maps = new TreeMap<>();
    Map<Part, Set<String>> drops = new TreeMap<>();
    diff(Part.ROUTES, from.routes(), to.routes(), r -> StateFile.routeJson(r, Map.of()), maps, drops);
    diff(Part.FIELD_VERSIONS, from.fieldVersions(), to.fieldVersions(), StateDelta::versionsJson, maps, drops);
    diff(Part.ENV_IPV4, from.envBindings(), to.envBindings(), StateFile::envJson, maps, drops);
    diff(Part.BACKENDS, from.backends(), to.backends(), StateFile::backendsJson, maps, drops);
    diff(Part.ENV_EVENT_IDS, from.envEventIds(), to.envEventIds(), v -> v, maps, drops);
    diff(Part.DELETED_ROUTES, from.tombstones(), to.tombstones(), v -> v, maps, drops);
    diff(Part.APPLIED_EVENT_IDS, ids(from.appliedIds()), ids(to.appliedIds()), v -> v, maps, drops);
    return new StateDelta(to.cursor(), maps, drops);
  }

  private static <V> void diff(Part part, Map<String, V> from, Map<String, V> to,
      java.util.function.Function<V, Object> json, Map<Part, Map<String, Object>> maps,
      Map<Part, Set<String>> drops) {
    Map<String, Object> upserts = new TreeMap<>();
    to.forEach((k, v) -> {
      if (!Objects.equals(from.get(k), v)) {
        upserts.put(k, json.apply(v));
      }
    });
    Set<String> removed = new TreeSet<>();
    from.keySet().forEach(k -> {
      if (!to.containsKey(k)) {
        removed.add(k);
      }
    });
    maps.put(part, upserts);
    drops.put(part, removed);
  }

  private static Map<String, Boolean> ids(Collection<Long> ids) {
    Map<String, Boolean> out = new HashMap<>();
    ids.forEach(id -> out.put(Long.toString(id), Boolean.TRUE));
    return out;
  }

  private static JsonObject versionsJson(Map<RoutePatch.Field, Long> versions) {
    JsonObject out = new JsonObject();
    versions.forEach((f, id) -> out.put(f.wireName, id));
    return out;
  }

  /** True when nothing but possibly the cursor changes. */
  public boolean isEmpty() {
    return maps.values().stream().allMatch(Map::isEmpty) && drops.values().stream().allMatch(Set::isEmpty);
  }

  /**
   * {@code base} with this change applied; throws {@link IllegalArgumentException} when the result is not a valid
   * state (the delta was made for another base, or is corrupt).
   */
  public ControlPlaneState applyTo(ControlPlaneState base) {
    try {
      Map<String, CpRoute> routes = patch(Part.ROUTES, base.routes(), v -> StateFile.route((JsonObject) v));
      Map<String, Map<RoutePatch.Field, Long>> versions = patch(Part.FIELD_VERSIONS, base.fieldVersions(),
          v -> StateFile.fieldVersions((JsonObject) v));
      Map<String, EnvBinding> envs = patch(Part.ENV_IPV4, base.envBindings(), v -> StateFile.env((JsonObject) v));
      Map<String, List<Backend>> backends = patch(Part.BACKENDS, base.backends(),
          v -> StateFile.backends(new JsonObject().put("b", v), "b"));
      Map<String, Long> envEvents = patch(Part.ENV_EVENT_IDS, base.envEventIds(), StateDelta::nonNegative);
      Map<String, Long> tombstones = patch(Part.DELETED_ROUTES, base.tombstones(), StateDelta::nonNegative);
      Set<Long> applied = new HashSet<>(base.appliedIds());
      drops.get(Part.APPLIED_EVENT_IDS).forEach(id -> applied.remove(Long.parseLong(id)));
      maps.get(Part.APPLIED_EVENT_IDS).keySet().forEach(id -> applied.add(Long.parseLong(id)));
      return ControlPlaneState.restore(cursor, routes, envs, backends, versions, envEvents, tombstones, applied);
    } catch (StateFile.Bad | ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("delta does not apply: " + e.getMessage(), e);
    }
  }

  private <V> Map<String, V> patch(Part part, Map<String, V> base, java.util.function.Function<Object, V> decode) {
    Map<String, V> out = new HashMap<>(base);
    drops.get(part).forEach(out::remove);
    maps.get(part).forEach((k, v) -> out.put(k, decode.apply(v)));
    return out;
  }

  private static long nonNegative(Object v) {
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 0) {
      throw new IllegalArgumentException("not an event id: " + v);
    }
    return ((Number) v).longValue();
  }

  // ---- JSON: {"cursor": n, "<part>": {key: value}, "removed_<part>": [key]} for each part

  /** The JSON form; {@link #fromJson} reads it. */
  public JsonObject toJson() {
    JsonObject out = new JsonObject().put("cursor", cursor);
    for (Part p : Part.values()) {
      out.put(p.field, new JsonObject(new TreeMap<>(maps.get(p))));
      out.put("removed_" + p.field, new JsonArray(List.copyOf(drops.get(p))));
    }
    return out;
  }

  /** Reads what {@link #toJson} wrote; throws {@link IllegalArgumentException} when it is not that. */
  public static StateDelta fromJson(JsonObject json) {
    try {
      long cursor = StateFile.number(json, "cursor");
      Map<Part, Map<String, Object>> maps = new TreeMap<>();
      Map<Part, Set<String>> drops = new TreeMap<>();
      for (Part p : Part.values()) {
        JsonObject part = StateFile.object(json, p.field);
        Map<String, Object> upserts = new TreeMap<>();
        part.fieldNames().forEach(k -> upserts.put(k, part.getValue(k))); // getValue: nested as JsonObject/Array
        maps.put(p, upserts);
        Set<String> removed = new TreeSet<>();
        for (Object o : StateFile.array(json, "removed_" + p.field)) {
          removed.add((String) o);
        }
        drops.put(p, removed);
      }
      return new StateDelta(cursor, maps, drops);
    } catch (StateFile.Bad | ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a state delta: " + e.getMessage(), e);
    }
  }
}
