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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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
 */
public final class ControlPlaneState {

  /** How many of the highest applied event ids are remembered for exact gap healing. */
  public static final int APPLIED_ID_WINDOW = 1024;
  /** How many route deletions are remembered against late {@code route.created} replays. */
  static final int MAX_TOMBSTONES = 4096;
  /** How many patches for not-yet-created routes are held. */
  static final int MAX_PENDING_PATCHES = 1024;

  /** No events applied, cursor 0. */
  public static final ControlPlaneState EMPTY = new ControlPlaneState(0, Map.of(), Map.of(), Map.of(), Map.of(),
      Map.of(), Map.of(), List.of(), new TreeSet<>());

  private static final Comparator<Backend> BACKEND_ORDER =
      Comparator.comparing(Backend::host).thenComparingInt(Backend::port);

  // ---- routing content (what contentHash and sameContent cover)
  private final Map<String, CpRoute> routes;
  private final Map<String, EnvBinding> envBindings;
  private final Map<String, List<Backend>> backends;

  // ---- bookkeeping for idempotence
  private final long cursor;
  private final Map<String, Map<RoutePatch.Field, Long>> fieldVersions;
  private final Map<String, Long> envEventIds;
  private final Map<String, Long> tombstones;
  private final List<CpEvent.RouteUpdated> pendingPatches;
  private final NavigableSet<Long> appliedIds;
  /** {@link #contentHash()}, once computed; a race computes it twice, to the same value. */
  private volatile String contentHash;

  private ControlPlaneState(long cursor, Map<String, CpRoute> routes, Map<String, EnvBinding> envBindings,
      Map<String, List<Backend>> backends, Map<String, Map<RoutePatch.Field, Long>> fieldVersions,
      Map<String, Long> envEventIds, Map<String, Long> tombstones, List<CpEvent.RouteUpdated> pendingPatches,
      NavigableSet<Long> appliedIds) {
    this.cursor = cursor;
    this.routes = Collections.unmodifiableMap(new TreeMap<>(routes));
    this.envBindings = Collections.unmodifiableMap(new TreeMap<>(envBindings));
    Map<String, List<Backend>> b = new TreeMap<>();
    backends.forEach((k, v) -> b.put(k, List.copyOf(v)));
    this.backends = Collections.unmodifiableMap(b);
    Map<String, Map<RoutePatch.Field, Long>> fv = new TreeMap<>();
    fieldVersions.forEach((k, v) -> {
      if (!v.isEmpty()) {
        fv.put(k, Collections.unmodifiableMap(new EnumMap<>(v)));
      }
    });
    this.fieldVersions = Collections.unmodifiableMap(fv);
    this.envEventIds = Collections.unmodifiableMap(new TreeMap<>(envEventIds));
    this.tombstones = Collections.unmodifiableMap(new TreeMap<>(tombstones));
    this.pendingPatches = List.copyOf(pendingPatches);
    this.appliedIds = Collections.unmodifiableNavigableSet(new TreeSet<>(appliedIds));
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
    for (String id : backends.keySet()) {
      if (!routes.containsKey(id)) {
        throw new IllegalArgumentException("backend set for unknown route " + id);
      }
    }
    for (String id : fieldVersions.keySet()) {
      if (!routes.containsKey(id)) {
        throw new IllegalArgumentException("field versions for unknown route " + id);
      }
    }
    Map<String, List<Backend>> sorted = new TreeMap<>();
    backends.forEach((k, v) -> sorted.put(k, normalise(v)));
    return new ControlPlaneState(cursor, routes, envBindings, sorted, fieldVersions, envEventIds, tombstones,
        List.of(), trim(new TreeSet<>(appliedIds)));
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

  // ---- backends

  /**
   * A copy with this route's backend set replaced (sorted, duplicates dropped). Unknown route: unchanged. When a
   * fetch fails the caller simply does not call this, which keeps the previous set (contract §2).
   */
  public ControlPlaneState withBackends(String routeId, List<Backend> set) {
    Objects.requireNonNull(set, "set");
    if (!routes.containsKey(routeId)) {
      return this;
    }
    List<Backend> normalised = normalise(set);
    if (normalised.equals(backends.get(routeId))) {
      return this;
    }
    Map<String, List<Backend>> b = new TreeMap<>(backends);
    b.put(routeId, normalised);
    return new ControlPlaneState(cursor, routes, envBindings, b, fieldVersions, envEventIds, tombstones,
        pendingPatches, appliedIds);
  }

  /**
   * Like {@link #withBackends(String, List)} for many routes at once: one copy, not one per route (a refresh of
   * 100 000 routes would otherwise copy the maps 100 000 times).
   */
  public ControlPlaneState withBackends(Map<String, List<Backend>> sets) {
    Map<String, List<Backend>> b = null;
    for (Map.Entry<String, List<Backend>> e : sets.entrySet()) {
      if (!routes.containsKey(e.getKey())) {
        continue;
      }
      List<Backend> normalised = normalise(Objects.requireNonNull(e.getValue(), "set"));
      if (normalised.equals(backends.get(e.getKey()))) {
        continue;
      }
      if (b == null) {
        b = new TreeMap<>(backends);
      }
      b.put(e.getKey(), normalised);
    }
    return b == null ? this : new ControlPlaneState(cursor, routes, envBindings, b, fieldVersions, envEventIds,
        tombstones, pendingPatches, appliedIds);
  }

  /**
   * A copy that takes {@code previous}'s backend set for every route it does not have a set for yet and whose
   * process type and backend port are unchanged (for a full rebuild replayed into {@link #EMPTY}).
   */
  public ControlPlaneState withBackendsFrom(ControlPlaneState previous) {
    Map<String, List<Backend>> b = new TreeMap<>(backends);
    previous.backends.forEach((id, set) -> {
      CpRoute mine = routes.get(id);
      CpRoute theirs = previous.routes.get(id);
      if (mine != null && theirs != null && !b.containsKey(id)
          && mine.processType().equals(theirs.processType()) && mine.backendPort() == theirs.backendPort()) {
        b.put(id, set);
      }
    });
    if (b.equals(backends)) {
      return this;
    }
    return new ControlPlaneState(cursor, routes, envBindings, b, fieldVersions, envEventIds, tombstones,
        pendingPatches, appliedIds);
  }

  private static List<Backend> normalise(List<Backend> set) {
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
    ControlPlaneState next = w.freeze();
    if (next.equals(this)) {
      next = this;
    }
    Set<String> need = new TreeSet<>(w.needInstances);
    need.retainAll(next.routes.keySet());
    return new Applied(next, need, w.envsToRefresh, w.refreshAll, w.rejected);
  }

  /** Mutable copy of a state while a batch is folded in. */
  private static final class Working {
    long cursor;
    final Map<String, CpRoute> routes;
    final Map<String, EnvBinding> envBindings;
    final Map<String, List<Backend>> backends;
    final Map<String, Map<RoutePatch.Field, Long>> fieldVersions = new TreeMap<>();
    final Map<String, Long> envEventIds;
    final Map<String, Long> tombstones;
    final List<CpEvent.RouteUpdated> pending;
    final TreeSet<Long> appliedIds;
    final Set<String> needInstances = new LinkedHashSet<>();
    final Set<String> envsToRefresh = new LinkedHashSet<>();
    boolean refreshAll;
    int rejected;

    Working(ControlPlaneState s) {
      cursor = s.cursor;
      routes = new TreeMap<>(s.routes);
      envBindings = new TreeMap<>(s.envBindings);
      backends = new TreeMap<>(s.backends);
      s.fieldVersions.forEach((k, v) -> fieldVersions.put(k, new EnumMap<>(v)));
      envEventIds = new TreeMap<>(s.envEventIds);
      tombstones = new TreeMap<>(s.tombstones);
      pending = new ArrayList<>(s.pendingPatches);
      appliedIds = new TreeSet<>(s.appliedIds);
    }

    void apply(CpEvent event) {
      long id = event.eventId();
      if (id > 0) {
        if (appliedIds.contains(id)) {
          return; // already applied: a replay or an overlapping re-read
        }
        appliedIds.add(id);
        if (appliedIds.size() > APPLIED_ID_WINDOW) {
          appliedIds.pollFirst();
        }
        cursor = Math.max(cursor, id);
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
      CpRoute existing = routes.get(id);
      if (existing != null) {
        if (eventId <= existing.createdEventId()) {
          return; // the same creation again, or an older incarnation's
        }
        // A newer creation of a route id we still hold (its deletion was missed): the newer one replaces it.
        backends.remove(id);
      } else {
        Long deletedAt = tombstones.get(id);
        if (deletedAt != null && deletedAt > eventId) {
          return; // deleted after this creation: a late replay must not resurrect it
        }
        tombstones.remove(id);
      }
      CpRoute stamped = route.createdEventId() == eventId ? route : withCreatedId(route, eventId);
      routes.put(id, stamped);
      fieldVersions.remove(id);
      needInstances.add(id);
      // Patches that arrived before their creation (ids commit out of order) apply now, oldest first.
      List<CpEvent.RouteUpdated> mine = new ArrayList<>();
      for (Iterator<CpEvent.RouteUpdated> it = pending.iterator(); it.hasNext(); ) {
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
      if (routes.containsKey(e.routeId())) {
        patch(e);
        return;
      }
      Long deletedAt = tombstones.get(e.routeId());
      if (deletedAt != null && deletedAt > e.eventId()) {
        return; // an update of a route deleted later
      }
      pending.add(e);
      if (pending.size() > MAX_PENDING_PATCHES) {
        pending.sort(Comparator.comparingLong(CpEvent::eventId));
        pending.remove(0);
      }
    }

    private void patch(CpEvent.RouteUpdated e) {
      String id = e.routeId();
      CpRoute route = routes.get(id);
      Map<RoutePatch.Field, Long> versions = fieldVersions.computeIfAbsent(id,
          k -> new EnumMap<>(RoutePatch.Field.class));
      Set<RoutePatch.Field> newer = EnumSet.noneOf(RoutePatch.Field.class);
      for (RoutePatch.Field f : e.patch().fields()) {
        if (e.eventId() > versions.getOrDefault(f, route.createdEventId())) {
          newer.add(f);
        }
      }
      if (newer.isEmpty()) {
        if (versions.isEmpty()) {
          fieldVersions.remove(id);
        }
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
      routes.put(id, next);
      if (!next.processType().equals(route.processType())) {
        needInstances.add(id);
      }
      if (next.backendPort() != route.backendPort()) {
        needInstances.add(id);
        // The same instances on the new port: correct at once, and refreshed by the caller anyway.
        List<Backend> set = backends.get(id);
        if (set != null) {
          List<Backend> moved = new ArrayList<>(set.size());
          set.forEach(b -> moved.add(new Backend(b.host(), next.backendPort())));
          backends.put(id, normalise(moved));
        }
      }
    }

    private void deleted(CpEvent.RouteDeleted e) {
      String id = e.routeId();
      CpRoute route = routes.get(id);
      if (route != null) {
        if (e.eventId() < route.createdEventId()) {
          return; // deletes an older incarnation
        }
        routes.remove(id);
        backends.remove(id);
        fieldVersions.remove(id);
      }
      tombstones.merge(id, e.eventId(), Math::max);
      pending.removeIf(p -> p.routeId().equals(id) && p.eventId() < e.eventId());
      if (tombstones.size() > MAX_TOMBSTONES) {
        String oldest = null;
        long oldestId = Long.MAX_VALUE;
        for (Map.Entry<String, Long> t : tombstones.entrySet()) {
          if (t.getValue() < oldestId) {
            oldestId = t.getValue();
            oldest = t.getKey();
          }
        }
        tombstones.remove(oldest);
      }
    }

    private void enabled(CpEvent.EnvIpv4Enabled e) {
      if (!newerForEnv(e.envId(), e.eventId())) {
        return;
      }
      EnvBinding current = envBindings.get(e.envId());
      if (current != null && current.ipv4().equals(e.ipv4())) {
        // Re-stating the same address keeps the claim's seniority.
        if (current.appId() == null && e.appId() != null) {
          envBindings.put(e.envId(), new EnvBinding(e.envId(), e.appId(), e.ipv4(), current.enabledEventId()));
        }
        return;
      }
      envBindings.put(e.envId(), new EnvBinding(e.envId(), e.appId(), e.ipv4(), e.eventId()));
    }

    private void disabled(CpEvent.EnvIpv4Disabled e) {
      if (newerForEnv(e.envId(), e.eventId())) {
        envBindings.remove(e.envId()); // the newest event for the env says: no add-on
      }
    }

    /** Records the event as the env's latest when it is newer than the last applied one. */
    private boolean newerForEnv(String envId, long eventId) {
      Long last = envEventIds.get(envId);
      if (last != null && eventId <= last) {
        return false;
      }
      envEventIds.put(envId, eventId);
      return true;
    }

    ControlPlaneState freeze() {
      return new ControlPlaneState(cursor, routes, envBindings, backends, fieldVersions, envEventIds, tombstones,
          pending, appliedIds);
    }
  }

  private static CpRoute withCreatedId(CpRoute r, long eventId) {
    return new CpRoute(r.routeId(), r.appId(), r.envId(), r.hostname(), r.listenPort(), r.protocol(),
        r.processType(), r.backendPort(), r.proxyV2(), r.backendExpectsProxyProtocol(), r.ipv4Required(),
        r.envIpv4AtCreation(), eventId);
  }

  private static NavigableSet<Long> trim(TreeSet<Long> ids) {
    while (ids.size() > APPLIED_ID_WINDOW) {
      ids.pollFirst();
    }
    return ids;
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
    for (CpRoute r : routes.values()) {
      try {
        builder.add(new Route(r.routeId(), r.protocol(), r.protocol() == Protocol.TCP_RAW ? null : r.hostname(),
            r.listenPort(), r.envId(), r.proxyV2() ? ProxyProtocol.V2 : ProxyProtocol.OFF,
            backends.getOrDefault(r.routeId(), List.of()), false, null, null, 0, Origin.CONTROL_PLANE,
            r.createdEventId()));
      } catch (IllegalArgumentException e) {
        builder.reject(r.routeId(), e.getMessage());
      }
    }
    return builder.build();
  }

  // ---- content identity

  /**
   * SHA-256 (lower-case hex) of the routing content: routes (with their created ids), IPv4 bindings (with their
   * ranks) and backend sets, in a canonical order. Cursor and bookkeeping are excluded, so two nodes that learned
   * the same routing content by different paths agree.
   */
  public String contentHash() {
    // the state is immutable, so its hash is computed once: a follower verifies a delta's result by it and the
    // sync then compares by it again, each a pass over the whole table (over a second at 100 000 routes)
    String hash = contentHash;
    if (hash == null) {
      hash = computeContentHash();
      contentHash = hash;
    }
    return hash;
  }

  private String computeContentHash() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest(canonicalContent().encode().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
    }
  }

  /** True when the routing content (what {@link #contentHash()} covers) is equal. */
  public boolean sameContent(ControlPlaneState other) {
    return routes.equals(other.routes) && envBindings.equals(other.envBindings) && backends.equals(other.backends);
  }

  /** Fixed field order, maps iterated sorted (they are TreeMaps), backend sets sorted. */
  private JsonObject canonicalContent() {
    JsonArray r = new JsonArray();
    routes.values().forEach(route -> r.add(new JsonArray()
        .add(route.routeId()).add(route.appId()).add(route.envId()).add(route.hostname())
        .add(route.listenPort()).add(route.protocol().configName()).add(route.processType())
        .add(route.backendPort()).add(route.proxyV2()).add(route.backendExpectsProxyProtocol())
        .add(route.ipv4Required()).add(route.envIpv4AtCreation()).add(route.createdEventId())));
    JsonArray e = new JsonArray();
    envBindings.values().forEach(b -> e.add(new JsonArray()
        .add(b.envId()).add(b.appId()).add(b.ipv4()).add(b.enabledEventId())));
    JsonArray b = new JsonArray();
    backends.forEach((id, set) -> {
      JsonArray addrs = new JsonArray();
      set.forEach(x -> addrs.add(x.toString()));
      b.add(new JsonArray().add(id).add(addrs));
    });
    return new JsonObject().put("routes", r).put("envs", e).put("backends", b);
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
    return Objects.hash(cursor, routes, envBindings, backends, tombstones, appliedIds);
  }

  @Override
  public String toString() {
    return "ControlPlaneState{cursor=" + cursor + ", routes=" + routes.size() + ", envIpv4=" + envBindings.size()
        + ", backendSets=" + backends.size() + "}";
  }
}
