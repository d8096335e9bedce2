package dev.ghost.ingress.sync;

import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.RouteSpec;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Origin;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.ProxyProtocol;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.route.RouteTableEdit;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * An immutable snapshot of everything the ingress has learned from the control plane: the event cursor, the
 * routes, the environments' dedicated IPv4 bindings and the routes' backend sets. {@link #apply(List)} folds a
 * batch of events into a new snapshot; {@link #toTable} merges it with the static configuration into a route table.
 *
 * <h2>Idempotence and ordering</h2>
 * Contract §1: "ids can commit out of order, so a pure cursor reader can miss an event: also heal gaps ... and
 * make applying idempotent". Applying is idempotent on two levels:
 * <ul>
 *   <li>Event ids: the ids of the last {@value #APPLIED_ID_WINDOW} applied events (the highest ones) are
 *       remembered, and an event whose id is among them is skipped outright. The cursor is the highest id seen, so
 *       a caller that re-reads the trailing window from {@link #rereadAfterEventId()} (at most
 *       {@value #APPLIED_ID_WINDOW} ids below the cursor) gets exactly the events it missed applied, once. A
 *       re-read reaching further back still converges, through the rules below, but may re-trigger instance
 *       refreshes and re-count rejected events.</li>
 *   <li>Aggregates: a {@code route.created} for a route that exists with the same created id changes nothing;
 *       a {@code route.deleted} leaves a tombstone (its event id; the newest {@value #MAX_TOMBSTONES} are kept) so
 *       an older {@code route.created} replayed later does not resurrect the route; {@code route.updated} fields
 *       are versioned per field (a field takes a patch only from an event newer than the one that last set it,
 *       the creation counting for all fields), so out-of-order patches commute; a patch for a route not yet seen
 *       is held (at most {@value #MAX_PENDING_PATCHES}) until its {@code route.created} arrives; environment IPv4
 *       events apply only when newer than the last applied event of that environment.</li>
 * </ul>
 * A full rebuild (replay from 0) is applied to {@link #EMPTY}, carried over with {@link #withBackendsFrom} and
 * swapped in only if not {@link #sameContent} (docs/control-plane-contract.md, "Start, readiness and the state file").
 *
 * <h2>The cost of a change</h2>
 * A change costs O(changes · log N), whatever the table size N: the maps are persistent ({@link StateEdit}), the
 * content hash is a sum of per-entry digests updated with each entry ({@link ContentDigest}), and a state knows the
 * keys changed since its recent ancestors ({@link #changedKeys}), from which {@link StateDelta#diff} takes a
 * replicated delta without comparing whole maps; {@link #deriveTable} uses the same keys to re-resolve only the
 * routes a change touched. Only {@link #toTable} (a full build: start, reload, snapshot) and the state file still
 * walk every route.
 */
public final class ControlPlaneState {

  /** How many of the highest applied event ids are remembered for exact gap healing. */
  public static final int APPLIED_ID_WINDOW = 1024;
  /** How many route deletions are remembered against late {@code route.created} replays. */
  static final int MAX_TOMBSTONES = 4096;
  /** How many patches for not-yet-created routes are held. */
  static final int MAX_PENDING_PATCHES = 1024;
  /**
   * A state remembers its parent and the keys changed since, up to this many generations back (and only for
   * changes of at most {@link #MAX_TRACKED_KEYS} keys): enough for a leader's delta between what it last published
   * and what it serves; older ancestors are let go so a long-running node does not keep every version.
   */
  static final int MAX_LINEAGE = 64;
  /** A change of more keys than this (a replay, a full refresh) is not tracked: its delta is a whole-map diff. */
  static final int MAX_TRACKED_KEYS = 4096;
  /**
   * The keys changed along the ancestors a state holds strongly, at most: each ancestor keeps its own copy of the
   * tree paths it changed, so this bounds what the chain costs in memory (a few MB at 100 000 routes).
   */
  static final int MAX_CHAIN_KEYS = 16_384;

  /** No events applied, cursor 0. */
  public static final ControlPlaneState EMPTY = new ControlPlaneState(0, TreePMap.empty(), TreePMap.empty(),
      TreePMap.empty(), TreePMap.empty(), TreePMap.empty(), TreePMap.empty(), List.of(), TreePSet.empty(),
      new long[4], 0, null);

  private static final Comparator<Backend> BACKEND_ORDER =
      Comparator.comparing(Backend::host).thenComparingInt(Backend::port);

  // ---- routing content (what contentHash and sameContent cover)
  private final TreePMap<String, CpRoute> routes;
  private final TreePMap<String, EnvBinding> envBindings;
  private final TreePMap<String, List<Backend>> backends;

  // ---- bookkeeping for idempotence
  private final long cursor;
  private final TreePMap<String, Map<RoutePatch.Field, Long>> fieldVersions;
  private final TreePMap<String, Long> envEventIds;
  private final TreePMap<String, Long> tombstones;
  private final List<CpEvent.RouteUpdated> pendingPatches;
  private final TreePSet<Long> appliedIds;

  // ---- identity and lineage
  /** The content digest's limbs ({@link ContentDigest}); never changed after construction. */
  private final long[] digest;
  /** Entry digests computed to make this state from its parent (or from scratch): the work a change cost. */
  private final long entriesHashed;
  /** How this state was made from its parent; null when not tracked. */
  private final Lineage lineage;
  /** {@link #contentHash()}, once computed; a race computes it twice, to the same value. */
  private volatile String contentHash;

  /**
   * Where a state came from: its parent and the keys that differ from it, per part. The parent is held strongly
   * for {@link #MAX_LINEAGE} generations or {@link #MAX_CHAIN_KEYS} keys changed, then weakly, so the chain a node
   * keeps is bounded; {@code depth} and {@code chainKeys} count both since the last weak link.
   */
  record Lineage(Object parent, Map<StateDelta.Part, Set<String>> touched, int depth, int chainKeys) {

    /** The lineage of a state made from {@code parent} by changing {@code touched}; null when not tracked. */
    static Lineage of(ControlPlaneState parent, Map<StateDelta.Part, Set<String>> touched, int touchedCount) {
      if (touchedCount > MAX_TRACKED_KEYS) {
        return null;
      }
      Map<StateDelta.Part, Set<String>> copy = new EnumMap<>(StateDelta.Part.class);
      touched.forEach((part, keys) -> copy.put(part, Set.copyOf(keys)));
      Lineage up = parent.lineage;
      int depth = up == null ? 1 : up.depth + 1;
      int chainKeys = up == null ? touchedCount : up.chainKeys + touchedCount;
      if (depth > MAX_LINEAGE || chainKeys > MAX_CHAIN_KEYS) {
        return new Lineage(new WeakReference<>(parent), copy, 0, 0);
      }
      return new Lineage(parent, copy, depth, chainKeys);
    }

    ControlPlaneState parentOrNull() {
      return parent instanceof WeakReference<?> weak ? (ControlPlaneState) weak.get() : (ControlPlaneState) parent;
    }
  }

  ControlPlaneState(long cursor, TreePMap<String, CpRoute> routes, TreePMap<String, EnvBinding> envBindings,
      TreePMap<String, List<Backend>> backends, TreePMap<String, Map<RoutePatch.Field, Long>> fieldVersions,
      TreePMap<String, Long> envEventIds, TreePMap<String, Long> tombstones,
      List<CpEvent.RouteUpdated> pendingPatches, TreePSet<Long> appliedIds, long[] digest, long entriesHashed,
      Lineage lineage) {
    this.cursor = cursor;
    this.routes = routes;
    this.envBindings = envBindings;
    this.backends = backends;
    this.fieldVersions = fieldVersions;
    this.envEventIds = envEventIds;
    this.tombstones = tombstones;
    this.pendingPatches = pendingPatches;
    this.appliedIds = appliedIds;
    this.digest = digest;
    this.entriesHashed = entriesHashed;
    this.lineage = lineage;
  }

  /**
   * Rebuilds a state from persisted parts (the state file); validates cross-references and throws
   * {@link IllegalArgumentException} when they do not hold.
   */
  static ControlPlaneState restore(long cursor, Map<String, CpRoute> routes, Map<String, EnvBinding> envBindings,
      Map<String, List<Backend>> backends, Map<String, Map<RoutePatch.Field, Long>> fieldVersions,
      Map<String, Long> envEventIds, Map<String, Long> tombstones, Collection<Long> appliedIds) {
    if (cursor < 0) {
      throw new IllegalArgumentException("negative cursor");
    }
    for (Map.Entry<String, CpRoute> e : routes.entrySet()) {
      if (!e.getKey().equals(e.getValue().routeId())) {
        throw new IllegalArgumentException("route key " + e.getKey() + " != route_id " + e.getValue().routeId());
      }
    }
    String stray = firstKeyNotIn(backends, routes);
    if (stray != null) {
      throw new IllegalArgumentException("backend set for unknown route " + stray);
    }
    stray = firstKeyNotIn(fieldVersions, routes);
    if (stray != null) {
      throw new IllegalArgumentException("field versions for unknown route " + stray);
    }
    // each map built once, sorted, then turned into a persistent one in linear time
    ContentDigest d = new ContentDigest();
    routes.values().forEach(d::addRoute);
    envBindings.values().forEach(d::addEnv);
    SortedMap<String, List<Backend>> sets = SortedEntries.naturallySorted(backends) ? new SortedEntries<>()
        : new TreeMap<>();
    backends.forEach((id, set) -> {
      List<Backend> normalised = normalise(set);
      if (!(sets instanceof SortedEntries<List<Backend>> run && run.append(id, normalised))) {
        sets.put(id, normalised);
      }
      d.addBackends(id, normalised);
    });
    TreeMap<String, Map<RoutePatch.Field, Long>> versions = new TreeMap<>();
    fieldVersions.forEach((id, v) -> {
      if (!v.isEmpty()) {
        versions.put(id, Collections.unmodifiableMap(new EnumMap<>(v)));
      }
    });
    TreeSet<Long> ids = new TreeSet<>(appliedIds);
    while (ids.size() > APPLIED_ID_WINDOW) {
      ids.pollFirst();
    }
    return new ControlPlaneState(cursor, sorted(routes), sorted(envBindings), TreePMap.fromSortedMap(sets),
        TreePMap.fromSortedMap(versions), sorted(envEventIds), sorted(tombstones), List.of(),
        TreePSet.fromSortedSet(ids), d.limbs(), d.entriesHashed(), null);
  }

  /**
   * The first key of {@code part} that {@code all} does not hold, or null: both walked once side by side when both
   * are sorted by key (the state file's routes and sets), one lookup per key otherwise.
   */
  private static String firstKeyNotIn(Map<String, ?> part, Map<String, ?> all) {
    if (!SortedEntries.naturallySorted(part) || !SortedEntries.naturallySorted(all)) {
      for (String id : part.keySet()) {
        if (!all.containsKey(id)) {
          return id;
        }
      }
      return null;
    }
    Iterator<String> each = all.keySet().iterator();
    String at = null;
    for (String id : part.keySet()) {
      while ((at == null || at.compareTo(id) < 0) && each.hasNext()) {
        at = each.next();
      }
      if (at == null || !at.equals(id)) {
        return id;
      }
    }
    return null;
  }

  /** A persistent copy of {@code map}: built straight from it when it is sorted already, else sorted first. */
  private static <V> TreePMap<String, V> sorted(Map<String, V> map) {
    if (SortedEntries.naturallySorted(map)) {
      return TreePMap.fromSortedMap((SortedMap<String, V>) map);
    }
    return TreePMap.fromSortedMap(new TreeMap<>(map));
  }

  // ---- accessors

  /** The highest event id seen (applied, ignored or rejected): where the feed and the stream resume. */
  public long cursor() {
    return cursor;
  }

  /** Where a trailing gap-healing re-read starts: {@code after_event_id} = cursor - {@value #APPLIED_ID_WINDOW}. */
  public long rereadAfterEventId() {
    return Math.max(0, cursor - APPLIED_ID_WINDOW);
  }

  /** Control-plane routes by route id, sorted. */
  public Map<String, CpRoute> routes() {
    return routes;
  }

  /** Each environment's dedicated IPv4 binding with its claim rank, by env id. */
  public Map<String, EnvBinding> envBindings() {
    return envBindings;
  }

  /** env id → dedicated IPv4 address, as the {@code env.ipv4_addon_*} events left it. */
  public Map<String, String> envIpv4() {
    Map<String, String> out = new TreeMap<>();
    envBindings.forEach((env, b) -> out.put(env, b.ipv4()));
    return Collections.unmodifiableMap(out);
  }

  /**
   * route id → backend set ({@code [overlay_ipv6]:backend_port}), sorted by address; a route without an entry has
   * not had its instances fetched yet.
   */
  public Map<String, List<Backend>> backends() {
    return backends;
  }

  /** The ids of the routes owned by any of these environments (for {@code instance.status_changed}). */
  public Set<String> routeIdsOfEnvs(Collection<String> envIds) {
    Set<String> wanted = new HashSet<>(envIds);
    Set<String> out = new TreeSet<>();
    routes.values().forEach(r -> {
      if (wanted.contains(r.envId())) {
        out.add(r.routeId());
      }
    });
    return Collections.unmodifiableSet(out);
  }

  NavigableSet<Long> appliedIds() {
    return appliedIds;
  }

  Map<String, Map<RoutePatch.Field, Long>> fieldVersions() {
    return fieldVersions;
  }

  Map<String, Long> envEventIds() {
    return envEventIds;
  }

  Map<String, Long> tombstones() {
    return tombstones;
  }

  List<CpEvent.RouteUpdated> pendingPatches() {
    return pendingPatches;
  }

  // the persistent forms, for StateEdit
  TreePMap<String, CpRoute> routeMap() {
    return routes;
  }

  TreePMap<String, EnvBinding> envMap() {
    return envBindings;
  }

  TreePMap<String, List<Backend>> backendMap() {
    return backends;
  }

  TreePMap<String, Map<RoutePatch.Field, Long>> fieldVersionMap() {
    return fieldVersions;
  }

  TreePMap<String, Long> envEventIdMap() {
    return envEventIds;
  }

  TreePMap<String, Long> tombstoneMap() {
    return tombstones;
  }

  TreePSet<Long> appliedIdSet() {
    return appliedIds;
  }

  long[] digestLimbs() {
    return digest;
  }

  /** How this state was made from its parent; null when not tracked. */
  Lineage lineage() {
    return lineage;
  }

  /** Entry digests computed to make this state: per change, the entries it touched; from scratch, all. */
  long entriesHashed() {
    return entriesHashed;
  }

  /**
   * The keys that may differ between {@code from} and {@code to}, per part, when {@code to} descends from
   * {@code from} through tracked changes; null when it does not (or the chain was let go): then only a comparison
   * of the whole maps tells. Costs the number of generations between them, not the table size.
   */
  static Map<StateDelta.Part, Set<String>> changedKeys(ControlPlaneState from, ControlPlaneState to) {
    Map<StateDelta.Part, Set<String>> keys = new EnumMap<>(StateDelta.Part.class);
    ControlPlaneState at = to;
    for (int steps = 0; at != from; steps++) {
      Lineage l = at.lineage;
      if (l == null || steps > MAX_LINEAGE) {
        return null;
      }
      l.touched().forEach((part, k) -> keys.computeIfAbsent(part, p -> new HashSet<>()).addAll(k));
      at = l.parentOrNull();
      if (at == null) {
        return null;
      }
    }
    return keys;
  }

  // ---- backends

  /**
   * A copy with this route's backend set replaced (sorted, duplicates dropped). Unknown route: unchanged. When a
   * fetch fails the caller simply does not call this, which keeps the previous set (contract §2).
   */
  public ControlPlaneState withBackends(String routeId, List<Backend> set) {
    Objects.requireNonNull(set, "set");
    return withBackends(Map.of(routeId, set));
  }

  /** Like {@link #withBackends(String, List)} for many routes at once: one new state, whatever the count. */
  public ControlPlaneState withBackends(Map<String, List<Backend>> sets) {
    StateEdit edit = new StateEdit(this);
    for (Map.Entry<String, List<Backend>> e : sets.entrySet()) {
      if (routes.containsKey(e.getKey())) {
        edit.putBackends(e.getKey(), normalise(Objects.requireNonNull(e.getValue(), "set")));
      }
    }
    return edit.freeze();
  }

  /**
   * A copy that takes {@code previous}'s backend set for every route it does not have a set for yet and whose
   * process type and backend port are unchanged (for a full rebuild replayed into {@link #EMPTY}).
   */
  public ControlPlaneState withBackendsFrom(ControlPlaneState previous) {
    StateEdit edit = new StateEdit(this);
    previous.backends.forEach((id, set) -> {
      CpRoute mine = routes.get(id);
      CpRoute theirs = previous.routes.get(id);
      if (mine != null && theirs != null && !backends.containsKey(id)
          && mine.processType().equals(theirs.processType()) && mine.backendPort() == theirs.backendPort()) {
        edit.putBackends(id, set);
      }
    });
    return edit.freeze();
  }

  static List<Backend> normalise(List<Backend> set) {
    if (ascending(set)) {
      return List.copyOf(set); // the same list if unmodifiable already: routes of a group share one set
    }
    TreeSet<Backend> sorted = new TreeSet<>(BACKEND_ORDER);
    for (Backend backend : set) {
      sorted.add(Objects.requireNonNull(backend, "backend"));
    }
    return List.copyOf(sorted);
  }

  private static boolean ascending(List<Backend> set) {
    for (int i = 1; i < set.size(); i++) {
      if (BACKEND_ORDER.compare(Objects.requireNonNull(set.get(i - 1)), Objects.requireNonNull(set.get(i))) >= 0) {
        return false;
      }
    }
    return true;
  }

  // ---- applying events

  /**
   * What {@link #apply(List)} produced.
   *
   * @param next                    the new snapshot ({@code this} when nothing changed)
   * @param routesNeedingInstances  routes created, or updated in a way that changes their backend set (process
   *                                type or backend port): fetch their instances before swapping (contract §1,
   *                                "Order of effects"); only routes that exist in {@code next}
   * @param envsToRefresh           envs named by {@code instance.status_changed}
   * @param refreshAll              an {@code instance.status_changed} named no env: refresh every route
   * @param rejected                rejected events in the batch (not counting replays of already applied ones)
   */
  public record Applied(ControlPlaneState next, Set<String> routesNeedingInstances, Set<String> envsToRefresh,
      boolean refreshAll, int rejected) {

    /** Copies the sets. */
    public Applied {
      routesNeedingInstances = Collections.unmodifiableSet(new TreeSet<>(routesNeedingInstances));
      envsToRefresh = Collections.unmodifiableSet(new TreeSet<>(envsToRefresh));
    }
  }

  /** Folds a batch of events, in the given order, into a new snapshot; see the class comment for the rules. */
  public Applied apply(List<CpEvent> batch) {
    Working w = new Working(this);
    for (CpEvent event : batch) {
      w.apply(event);
    }
    ControlPlaneState next = w.edit.freeze();
    Set<String> need = new TreeSet<>(w.needInstances);
    need.retainAll(next.routes.keySet());
    return new Applied(next, need, w.envsToRefresh, w.refreshAll, w.rejected);
  }

  /** A batch being folded into a state: the event rules, over a {@link StateEdit}. */
  private static final class Working {
    final StateEdit edit;
    final Set<String> needInstances = new LinkedHashSet<>();
    final Set<String> envsToRefresh = new LinkedHashSet<>();
    boolean refreshAll;
    int rejected;

    Working(ControlPlaneState s) {
      edit = new StateEdit(s);
    }

    void apply(CpEvent event) {
      long id = event.eventId();
      if (id > 0) {
        if (edit.appliedIds.contains(id)) {
          return; // already applied: a replay or an overlapping re-read
        }
        edit.addAppliedId(id);
        edit.cursor = Math.max(edit.cursor, id);
      }
      if (event instanceof CpEvent.RouteCreated e) {
        created(e);
      } else if (event instanceof CpEvent.RouteUpdated e) {
        updated(e);
      } else if (event instanceof CpEvent.RouteDeleted e) {
        deleted(e);
      } else if (event instanceof CpEvent.EnvIpv4Enabled e) {
        enabled(e);
      } else if (event instanceof CpEvent.EnvIpv4Disabled e) {
        disabled(e);
      } else if (event instanceof CpEvent.InstanceStatusChanged e) {
        if (e.envIdOrNull() == null) {
          refreshAll = true;
        } else {
          envsToRefresh.add(e.envIdOrNull());
        }
      } else if (event instanceof CpEvent.Rejected) {
        rejected++;
      }
      // CpEvent.Ignored: only the cursor moves.
    }

    private void created(CpEvent.RouteCreated e) {
      CpRoute route = e.route();
      String id = route.routeId();
      long eventId = e.eventId();
      CpRoute existing = edit.routes.get(id);
      if (existing != null) {
        if (eventId <= existing.createdEventId()) {
          return; // the same creation again, or an older incarnation's
        }
        // A newer creation of a route id we still hold (its deletion was missed): the newer one replaces it.
        edit.removeBackends(id);
      } else {
        Long deletedAt = edit.tombstones.get(id);
        if (deletedAt != null && deletedAt > eventId) {
          return; // deleted after this creation: a late replay must not resurrect it
        }
        edit.removeTombstone(id);
      }
      CpRoute stamped = route.createdEventId() == eventId ? route : withCreatedId(route, eventId);
      edit.putRoute(stamped);
      edit.removeFieldVersions(id);
      needInstances.add(id);
      // Patches that arrived before their creation (ids commit out of order) apply now, oldest first.
      if (edit.pending().isEmpty()) {
        return;
      }
      List<CpEvent.RouteUpdated> mine = new ArrayList<>();
      for (Iterator<CpEvent.RouteUpdated> it = edit.pendingForChange().iterator(); it.hasNext(); ) {
        CpEvent.RouteUpdated p = it.next();
        if (p.routeId().equals(id)) {
          it.remove();
          if (p.eventId() > eventId) {
            mine.add(p);
          }
        }
      }
      mine.sort(Comparator.comparingLong(CpEvent::eventId));
      mine.forEach(this::patch);
    }

    private void updated(CpEvent.RouteUpdated e) {
      if (edit.routes.containsKey(e.routeId())) {
        patch(e);
        return;
      }
      Long deletedAt = edit.tombstones.get(e.routeId());
      if (deletedAt != null && deletedAt > e.eventId()) {
        return; // an update of a route deleted later
      }
      List<CpEvent.RouteUpdated> pending = edit.pendingForChange();
      pending.add(e);
      if (pending.size() > MAX_PENDING_PATCHES) {
        pending.sort(Comparator.comparingLong(CpEvent::eventId));
        pending.remove(0);
      }
    }

    private void patch(CpEvent.RouteUpdated e) {
      String id = e.routeId();
      CpRoute route = edit.routes.get(id);
      Map<RoutePatch.Field, Long> versions = new EnumMap<>(RoutePatch.Field.class);
      versions.putAll(edit.fieldVersions.getOrDefault(id, Map.of()));
      Set<RoutePatch.Field> newer = EnumSet.noneOf(RoutePatch.Field.class);
      for (RoutePatch.Field f : e.patch().fields()) {
        if (e.eventId() > versions.getOrDefault(f, route.createdEventId())) {
          newer.add(f);
        }
      }
      if (newer.isEmpty()) {
        return;
      }
      CpRoute next;
      try {
        next = e.patch().only(newer).apply(route);
      } catch (IllegalArgumentException ex) {
        rejected++; // the decoder validates patches, so this is a defensive path only
        return;
      }
      newer.forEach(f -> versions.put(f, e.eventId()));
      edit.putFieldVersions(id, versions);
      edit.putRoute(next);
      if (!next.processType().equals(route.processType())) {
        needInstances.add(id);
      }
      if (next.backendPort() != route.backendPort()) {
        needInstances.add(id);
        // The same instances on the new port: correct at once, and refreshed by the caller anyway.
        List<Backend> set = edit.backends.get(id);
        if (set != null) {
          List<Backend> moved = new ArrayList<>(set.size());
          set.forEach(b -> moved.add(new Backend(b.host(), next.backendPort())));
          edit.putBackends(id, normalise(moved));
        }
      }
    }

    private void deleted(CpEvent.RouteDeleted e) {
      String id = e.routeId();
      CpRoute route = edit.routes.get(id);
      if (route != null) {
        if (e.eventId() < route.createdEventId()) {
          return; // deletes an older incarnation
        }
        edit.removeRoute(id);
        edit.removeBackends(id);
        edit.removeFieldVersions(id);
      }
      Long deletedAt = edit.tombstones.get(id);
      edit.putTombstone(id, deletedAt == null ? e.eventId() : Math.max(deletedAt, e.eventId()));
      if (!edit.pending().isEmpty()) {
        edit.pendingForChange().removeIf(p -> p.routeId().equals(id) && p.eventId() < e.eventId());
      }
      if (edit.tombstones.size() > MAX_TOMBSTONES) {
        String oldest = null;
        long oldestId = Long.MAX_VALUE;
        for (Map.Entry<String, Long> t : edit.tombstones.entrySet()) {
          if (t.getValue() < oldestId) {
            oldestId = t.getValue();
            oldest = t.getKey();
          }
        }
        edit.removeTombstone(oldest);
      }
    }

    private void enabled(CpEvent.EnvIpv4Enabled e) {
      if (!newerForEnv(e.envId(), e.eventId())) {
        return;
      }
      EnvBinding current = edit.envBindings.get(e.envId());
      if (current != null && current.ipv4().equals(e.ipv4())) {
        // Re-stating the same address keeps the claim's seniority.
        if (current.appId() == null && e.appId() != null) {
          edit.putEnv(new EnvBinding(e.envId(), e.appId(), e.ipv4(), current.enabledEventId()));
        }
        return;
      }
      edit.putEnv(new EnvBinding(e.envId(), e.appId(), e.ipv4(), e.eventId()));
    }

    private void disabled(CpEvent.EnvIpv4Disabled e) {
      if (newerForEnv(e.envId(), e.eventId())) {
        edit.removeEnv(e.envId()); // the newest event for the env says: no add-on
      }
    }

    /** Records the event as the env's latest when it is newer than the last applied one. */
    private boolean newerForEnv(String envId, long eventId) {
      Long last = edit.envEventIds.get(envId);
      if (last != null && eventId <= last) {
        return false;
      }
      edit.putEnvEventId(envId, eventId);
      return true;
    }
  }

  private static CpRoute withCreatedId(CpRoute r, long eventId) {
    return new CpRoute(r.routeId(), r.appId(), r.envId(), r.hostname(), r.listenPort(), r.protocol(),
        r.processType(), r.backendPort(), r.proxyV2(), r.backendExpectsProxyProtocol(), r.ipv4Required(),
        r.envIpv4AtCreation(), eventId);
  }

  // ---- route table

  /**
   * The merged route table (docs/behaviour.md, "Conflicts"): static envs and routes first (they win, in file
   * order), then the control plane's IPv4 claims ranked by their enabling event id and its routes ranked by their
   * {@code route.created} event id (the lower id wins). A route without a fetched set gets no backends.
   */
  public RouteTable toTable(long version, PortPolicy policy, List<EnvSpec> staticEnvs,
      List<RouteSpec> staticRoutes) {
    RouteTableBuilder builder = new RouteTableBuilder(version, policy);
    builder.addStatic(staticEnvs == null ? List.of() : staticEnvs,
        staticRoutes == null ? List.of() : staticRoutes);
    envBindings.values().forEach(b -> builder.env(b.envId(), b.ipv4(), Origin.CONTROL_PLANE, b.enabledEventId()));
    // both maps are sorted by route id: each route's set is found walking the sets once, not searched for
    Iterator<Map.Entry<String, List<Backend>>> sets = backends.entrySet().iterator();
    Map.Entry<String, List<Backend>> set = sets.hasNext() ? sets.next() : null;
    for (CpRoute r : routes.values()) {
      while (set != null && set.getKey().compareTo(r.routeId()) < 0) {
        set = sets.hasNext() ? sets.next() : null;
      }
      List<Backend> of = set != null && set.getKey().equals(r.routeId()) ? set.getValue() : List.of();
      try {
        builder.add(written(r, of));
      } catch (IllegalArgumentException e) {
        builder.reject(r.routeId(), e.getMessage());
      }
    }
    return builder.build();
  }

  /**
   * This state's table derived from {@code fromTable}, the table {@link #toTable} made of {@code from} (with the
   * same static configuration and {@code policy}): only the routes and IPv4 claims changed since are re-resolved
   * ({@link RouteTableEdit}), so one change costs what it touches whatever the table size. Null when it cannot be
   * derived (this state does not descend from {@code from} through tracked changes, another port policy, a table
   * no edit continues): then {@link #toTable} builds it from scratch, with the same result.
   */
  public RouteTable deriveTable(long version, PortPolicy policy, ControlPlaneState from, RouteTable fromTable) {
    if (from == null || fromTable == null || !RouteTableEdit.editable(fromTable)
        || !Objects.equals(policy == null ? PortPolicy.DEFAULT : policy, RouteTableEdit.policyOf(fromTable))) {
      return null;
    }
    Map<StateDelta.Part, Set<String>> keys = changedKeys(from, this);
    if (keys == null) {
      return null;
    }
    RouteTableEdit edit = new RouteTableEdit(fromTable, version);
    Set<String> routeIds = new TreeSet<>(keys.getOrDefault(StateDelta.Part.ROUTES, Set.of()));
    routeIds.addAll(keys.getOrDefault(StateDelta.Part.BACKENDS, Set.of()));
    for (String id : routeIds) {
      Object before = candidate(from.routes.get(id), from.backends);
      Object after = candidate(routes.get(id), backends);
      if (!Objects.equals(before, after)) {
        retract(edit, id, before);
        put(edit, id, after);
      }
    }
    for (String env : keys.getOrDefault(StateDelta.Part.ENV_IPV4, Set.of())) {
      EnvBinding before = from.envBindings.get(env);
      EnvBinding after = envBindings.get(env);
      if (after == null) {
        edit.removeEnv(env);
      } else if (!after.equals(before)) {
        edit.env(env, after.ipv4(), after.enabledEventId());
      }
    }
    return edit.build();
  }

  /** A control-plane route as the table takes it: with its backend set (none yet: empty), rank = created id. */
  private static Route written(CpRoute r, List<Backend> set) {
    return new Route(r.routeId(), r.protocol(), r.protocol() == Protocol.TCP_RAW ? null : r.hostname(),
        r.listenPort(), r.envId(), r.proxyV2() ? ProxyProtocol.V2 : ProxyProtocol.OFF,
        set, false, null, null, 0, Origin.CONTROL_PLANE, r.createdEventId());
  }

  /** A control-plane route that cannot even be put together as a {@link Route}, and why. */
  private record Unbuildable(String reason) {}

  /** The route as written, an {@link Unbuildable}, or null when there is none. */
  private static Object candidate(CpRoute r, Map<String, List<Backend>> sets) {
    if (r == null) {
      return null;
    }
    try {
      return written(r, sets.getOrDefault(r.routeId(), List.of()));
    } catch (IllegalArgumentException e) {
      return new Unbuildable(e.getMessage());
    }
  }

  private static void retract(RouteTableEdit edit, String id, Object before) {
    if (before instanceof Route r) {
      edit.remove(r);
    } else if (before != null) {
      edit.removeRejected(id);
    }
  }

  private static void put(RouteTableEdit edit, String id, Object after) {
    if (after instanceof Route r) {
      edit.add(r);
    } else if (after != null) {
      edit.reject(id, ((Unbuildable) after).reason());
    }
  }

  // ---- content identity

  /**
   * The content hash (64 lower-case hex digits) of the routing content: routes (with their created ids), IPv4
   * bindings (with their ranks) and backend sets. Cursor and bookkeeping are excluded, so two nodes that learned
   * the same routing content by different paths agree. Kept up to date entry by entry ({@link ContentDigest}), so
   * it costs O(1) here whatever the table size.
   */
  public String contentHash() {
    String hash = contentHash;
    if (hash == null) {
      hash = ContentDigest.hex(digest);
      contentHash = hash;
    }
    return hash;
  }

  /**
   * True when the routing content (what {@link #contentHash()} covers) is equal. O(1) when the maps are shared
   * (nothing changed) or the digests differ (something did); only equal digests over different maps (a rebuild
   * that found the same content) compare the maps themselves.
   */
  public boolean sameContent(ControlPlaneState other) {
    if (sharesContent(other)) {
      return true;
    }
    return Arrays.equals(digest, other.digest) && routes.equals(other.routes)
        && envBindings.equals(other.envBindings) && backends.equals(other.backends);
  }

  /**
   * True when {@link #sameContent} has to walk every entry of both states (equal digests, other maps): O(routes),
   * which a caller on an event loop runs elsewhere; otherwise it answers at once.
   */
  public boolean sameContentWalks(ControlPlaneState other) {
    return !sharesContent(other) && Arrays.equals(digest, other.digest);
  }

  private boolean sharesContent(ControlPlaneState other) {
    return routes == other.routes && envBindings == other.envBindings && backends == other.backends;
  }

  // ---- equality over everything, bookkeeping included

  @Override
  public boolean equals(Object o) {
    return o instanceof ControlPlaneState s && cursor == s.cursor && sameContent(s)
        && fieldVersions.equals(s.fieldVersions) && envEventIds.equals(s.envEventIds)
        && tombstones.equals(s.tombstones) && pendingPatches.equals(s.pendingPatches)
        && appliedIds.equals(s.appliedIds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(cursor, contentHash());
  }

  @Override
  public String toString() {
    return "ControlPlaneState{cursor=" + cursor + ", routes=" + routes.size() + ", envIpv4=" + envBindings.size()
        + ", backendSets=" + backends.size() + "}";
  }
}
