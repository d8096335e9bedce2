package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

    /** This part of {@code state}, keyed as the delta keys it. */
    Map<String, ?> of(ControlPlaneState state) {
      return switch (this) {
        case ROUTES -> state.routes();
        case FIELD_VERSIONS -> state.fieldVersions();
        case ENV_IPV4 -> state.envBindings();
        case BACKENDS -> state.backends();
        case ENV_EVENT_IDS -> state.envEventIds();
        case DELETED_ROUTES -> state.tombstones();
        case APPLIED_EVENT_IDS -> ids(state.appliedIds());
      };
    }

    /** The JSON value of one entry of this part. */
    @SuppressWarnings("unchecked")
    Object json(Object value) {
      return switch (this) {
        case ROUTES -> StateFile.routeJson((CpRoute) value, Map.of());
        case FIELD_VERSIONS -> versionsJson((Map<RoutePatch.Field, Long>) value);
        case ENV_IPV4 -> StateFile.envJson((EnvBinding) value);
        case BACKENDS -> StateFile.backendsJson((List<Backend>) value);
        case ENV_EVENT_IDS, DELETED_ROUTES, APPLIED_EVENT_IDS -> value;
      };
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

  /**
   * The change that turns {@code from} into {@code to}. When {@code to} was made from {@code from} by tracked
   * changes ({@link ControlPlaneState#changedKeys}), only the keys those changes touched are compared: the cost is
   * the change's, not the table's. Otherwise the whole maps are compared ({@link #fullDiff}).
   */
  public static StateDelta diff(ControlPlaneState from, ControlPlaneState to) {
    Map<Part, Set<String>> keys = ControlPlaneState.changedKeys(from, to);
    return keys == null ? fullDiff(from, to) : diffKeys(from, to, keys);
  }

  /** {@link #diff} by comparing every key of every map: linear in the table size. */
  static StateDelta fullDiff(ControlPlaneState from, ControlPlaneState to) {
    Map<Part, Map<String, Object>> maps = new TreeMap<>();
    Map<Part, Set<String>> drops = new TreeMap<>();
    for (Part part : Part.values()) {
      Map<String, ?> a = part.of(from);
      Map<String, ?> b = part.of(to);
      Set<String> keys = new HashSet<>(a.keySet());
      keys.addAll(b.keySet());
      compare(part, a, b, keys, maps, drops);
    }
    return new StateDelta(to.cursor(), maps, drops);
  }

  /** {@link #diff} over the given keys per part; the applied event ids (at most a window of them) in full. */
  private static StateDelta diffKeys(ControlPlaneState from, ControlPlaneState to, Map<Part, Set<String>> keys) {
    Map<Part, Map<String, Object>> maps = new TreeMap<>();
    Map<Part, Set<String>> drops = new TreeMap<>();
    for (Part part : Part.values()) {
      Map<String, ?> a = part.of(from);
      Map<String, ?> b = part.of(to);
      Set<String> candidates = keys.getOrDefault(part, Set.of());
      if (part == Part.APPLIED_EVENT_IDS) {
        candidates = new HashSet<>(a.keySet());
        candidates.addAll(b.keySet());
      }
      compare(part, a, b, candidates, maps, drops);
    }
    return new StateDelta(to.cursor(), maps, drops);
  }

  private static void compare(Part part, Map<String, ?> from, Map<String, ?> to, Set<String> keys,
      Map<Part, Map<String, Object>> maps, Map<Part, Set<String>> drops) {
    Map<String, Object> upserts = new TreeMap<>();
    Set<String> removed = new TreeSet<>();
    for (String k : keys) {
      Object was = from.get(k);
      Object now = to.get(k);
      if (now == null) {
        if (was != null) {
          removed.add(k);
        }
      } else if (!now.equals(was)) {
        upserts.put(k, part.json(now));
      }
    }
    maps.put(part, upserts);
    drops.put(part, removed);
  }

  static Map<String, Boolean> ids(Collection<Long> ids) {
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
   * state (the delta was made for another base, or is corrupt). Costs the change's size, not the table's: the
   * base's persistent maps are changed key by key, its content hash with them, and the cross-references
   * {@link ControlPlaneState#restore} checks over a whole state are checked over the keys changed.
   */
  public ControlPlaneState applyTo(ControlPlaneState base) {
    if (cursor < 0) {
      throw new IllegalArgumentException("delta does not apply: negative cursor");
    }
    try {
      StateEdit edit = new StateEdit(base);
      edit.cursor = cursor;
      drops.get(Part.ROUTES).forEach(edit::removeRoute);
      maps.get(Part.ROUTES).forEach((k, v) -> edit.putRoute(keyed(k, StateFile.route((JsonObject) v))));
      drops.get(Part.FIELD_VERSIONS).forEach(edit::removeFieldVersions);
      maps.get(Part.FIELD_VERSIONS).forEach((k, v) -> edit.putFieldVersions(k, StateFile.fieldVersions(
          (JsonObject) v)));
      drops.get(Part.ENV_IPV4).forEach(edit::removeEnv);
      maps.get(Part.ENV_IPV4).forEach((k, v) -> edit.putEnv(keyed(k, StateFile.env((JsonObject) v))));
      drops.get(Part.BACKENDS).forEach(edit::removeBackends);
      maps.get(Part.BACKENDS).forEach((k, v) -> edit.putBackends(k, ControlPlaneState.normalise(
          StateFile.backends(new JsonObject().put("b", v), "b"))));
      drops.get(Part.ENV_EVENT_IDS).forEach(edit::removeEnvEventId);
      maps.get(Part.ENV_EVENT_IDS).forEach((k, v) -> edit.putEnvEventId(k, nonNegative(v)));
      drops.get(Part.DELETED_ROUTES).forEach(edit::removeTombstone);
      maps.get(Part.DELETED_ROUTES).forEach((k, v) -> edit.putTombstone(k, nonNegative(v)));
      drops.get(Part.APPLIED_EVENT_IDS).forEach(id -> edit.removeAppliedId(Long.parseLong(id)));
      maps.get(Part.APPLIED_EVENT_IDS).keySet().forEach(id -> edit.addAppliedId(Long.parseLong(id)));
      edit.trimAppliedIds();
      edit.clearPending(); // as the state file would restore it
      edit.checkReferences();
      return edit.freeze();
    } catch (StateFile.Bad | ClassCastException | NullPointerException | NumberFormatException e) {
      throw new IllegalArgumentException("delta does not apply: " + e.getMessage(), e);
    }
  }

  private static CpRoute keyed(String key, CpRoute route) {
    if (!key.equals(route.routeId())) {
      throw new IllegalArgumentException("route key " + key + " != route_id " + route.routeId());
    }
    return route;
  }

  private static EnvBinding keyed(String key, EnvBinding env) {
    if (!key.equals(env.envId())) {
      throw new IllegalArgumentException("env key " + key + " != env_id " + env.envId());
    }
    return env;
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
