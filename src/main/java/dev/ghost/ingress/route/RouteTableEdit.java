package dev.ghost.ingress.route;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.pcollections.HashPMap;
import org.pcollections.HashTreePMap;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * Derives the next {@link RouteTable} from the previous one and what changed in the control plane's part of its
 * input: routes removed and added (a changed route is both), environment IPv4 claims set or dropped. The result
 * answers exactly as a {@link RouteTableBuilder} fed the whole new input would (docs/behaviour.md, "Conflicts"),
 * but costs what the change touches, not the table: conflicts are local to a (scope, port, host name), so only the
 * host names of changed routes are re-resolved, and the table's maps are persistent, so the rest is shared.
 *
 * <p>Two cases cost more, and say so in {@link RouteTable#routesExamined()}: a port with a tcp_raw candidate is
 * re-resolved whole (a tcp_raw route clashes with everything on its port), and an environment that gains or loses
 * its dedicated IPv4 places or drops all of its routes in its own scope (found by a walk of the shared scope).
 * The static configuration cannot be edited: a config reload builds from scratch. Not thread-safe; use once.
 */
public final class RouteTableEdit {

  private final RouteTable base;
  private final long version;
  private final TableParts was;
  private final List<Route> removals = new ArrayList<>();
  private final Set<String> rejectedRemovals = new LinkedHashSet<>();
  private final List<Route> additions = new ArrayList<>();
  private final Map<String, String> rejections = new LinkedHashMap<>();
  private final Map<String, EnvClaim> claimChanges = new LinkedHashMap<>();
  private final Set<String> claimDrops = new LinkedHashSet<>();

  /**
   * @param base    the table to derive from; {@link #editable} must hold
   * @param version the version the new table carries
   */
  public RouteTableEdit(RouteTable base, long version) {
    if (!editable(base)) {
      throw new IllegalArgumentException("this table's input cannot be edited; build it from scratch");
    }
    this.base = base;
    this.version = version;
    this.was = base.parts();
  }

  /** False for a table whose input held two control-plane routes with one id: only a full build continues it. */
  public static boolean editable(RouteTable table) {
    return table.parts().editable();
  }

  /** The tcp_raw port policy the table was validated with: a different one needs a full build. */
  public static PortPolicy policyOf(RouteTable table) {
    return table.parts().policy();
  }

  /** Takes out a control-plane route as it was written when the base table was made (valid or not). */
  public RouteTableEdit remove(Route asWritten) {
    removals.add(controlPlane(asWritten));
    return this;
  }

  /** Takes out a control-plane route that could not even be put together ({@link RouteTableBuilder#reject}). */
  public RouteTableEdit removeRejected(String id) {
    rejectedRemovals.add(Objects.requireNonNull(id, "id"));
    return this;
  }

  /** Adds a control-plane route as written, as {@link RouteTableBuilder#add} does. */
  public RouteTableEdit add(Route asWritten) {
    additions.add(controlPlane(asWritten));
    return this;
  }

  /** Records a control-plane route that could not be put together, as {@link RouteTableBuilder#reject} does. */
  public RouteTableEdit reject(String id, String reason) {
    rejections.put(Objects.requireNonNull(id, "id"), reason);
    return this;
  }

  /** Sets an environment's control-plane IPv4 claim ({@code rank}: its enabling event id). */
  public RouteTableEdit env(String id, String ipv4OrNull, long rank) {
    claimDrops.remove(id);
    claimChanges.put(id, new EnvClaim(id, ipv4OrNull, Origin.CONTROL_PLANE, rank));
    return this;
  }

  /** Drops an environment's control-plane IPv4 claim. */
  public RouteTableEdit removeEnv(String id) {
    claimChanges.remove(id);
    claimDrops.add(id);
    return this;
  }

  private static Route controlPlane(Route route) {
    if (route.origin() != Origin.CONTROL_PLANE) {
      throw new IllegalArgumentException("only control-plane routes are edited: " + route.id());
    }
    return route;
  }

  /** The new table; {@link RouteTable#changeFrom} the base tells its listeners what changed. */
  public RouteTable build() {
    return new Work().run();
  }

  /** One derivation: working copies of the persistent parts, changed in place of the base's. */
  private final class Work {
    HashPMap<Scope, HashPMap<Integer, PortRoutes>> index = was.index();
    TreePMap<ConflictKey, Conflict> conflicts = was.conflicts();
    TreePMap<Integer, Integer> portScopes = was.portScopes();
    HashPMap<String, TreePSet<Integer>> envPorts = was.envPorts();
    TreePMap<String, Rejection> cpInvalid = was.rejections().cpInvalid();
    TreePMap<Route, Rejection> cpDups = was.rejections().cpDups();
    TreePMap<String, EnvClaim> claims = was.claims();
    Ipv4Owners owners = was.owners();
    /** Routes whose reachability may have changed, by id. */
    final Map<String, List<Route>> touched = new LinkedHashMap<>();
    long examined;

    RouteTable run() {
      Set<String> lost = new HashSet<>();
      Set<String> gained = new HashSet<>();
      resolveClaims(lost, gained);
      lost.forEach(this::dropEnvScope);
      removals.forEach(r -> removeRoute(r, lost));
      rejectedRemovals.forEach(id -> cpInvalid = cpInvalid.minus(id));
      rejections.forEach((id, reason) -> cpInvalid = cpInvalid.plus(id, new Rejection(id, reason)));
      additions.forEach(r -> addRoute(r, gained));
      gained.forEach(this::fillEnvScope);
      return freeze();
    }

    // ---- IPv4 claims

    private void resolveClaims(Set<String> lost, Set<String> gained) {
      if (claimChanges.isEmpty() && claimDrops.isEmpty()) {
        return;
      }
      for (String id : claimDrops) {
        EnvClaim at = claims.get(id);
        if (at != null && at.origin() == Origin.CONTROL_PLANE) {
          claims = claims.minus(id);
        }
      }
      for (EnvClaim c : claimChanges.values()) {
        EnvClaim at = claims.get(c.id());
        claims = claims.plus(c.id(), at == null || at.origin() == Origin.CONTROL_PLANE ? c : EnvClaim.older(at, c));
      }
      Ipv4Owners next = Ipv4Owners.resolve(claims.values());
      owners.envIpv4().keySet().stream().filter(e -> !next.owns(e)).forEach(lost::add);
      next.envIpv4().keySet().stream().filter(e -> !owners.owns(e)).forEach(gained::add);
      owners = next;
    }

    /** An environment lost its IPv4: its scope goes, with its conflicts. */
    private void dropEnvScope(String envId) {
      Scope scope = Scope.env(envId);
      HashPMap<Integer, PortRoutes> ports = index.get(scope);
      if (ports == null) {
        return;
      }
      for (Map.Entry<Integer, PortRoutes> port : ports.entrySet()) {
        for (Route r : port.getValue().candidates()) {
          examined++;
          conflicts = conflicts.minus(ConflictKey.of(r, scope));
          touch(r);
        }
        countPort(port.getKey(), -1);
      }
      index = index.minus(scope);
      envPorts = envPorts.minus(envId);
    }

    /** An environment gained its IPv4: its candidates (all in the shared scope) are placed in its scope too. */
    private void fillEnvScope(String envId) {
      Scope scope = Scope.env(envId);
      HashPMap<Integer, PortRoutes> shared = index.getOrDefault(Scope.SHARED, HashTreePMap.empty());
      for (PortRoutes port : shared.values()) {
        for (Route r : port.candidates()) {
          examined++;
          if (envId.equals(r.envId())) {
            change(scope, r, true);
          }
        }
      }
    }

    // ---- routes

    private void removeRoute(Route asWritten, Set<String> lost) {
      cpInvalid = cpInvalid.minus(asWritten.id());
      Route r;
      try {
        r = RouteTableBuilder.validated(asWritten, was.policy());
      } catch (IllegalArgumentException invalid) {
        return; // it was a rejection, now gone
      }
      if (was.staticIds().contains(r.id())) {
        cpDups = cpDups.minus(r);
        return;
      }
      change(Scope.SHARED, r, false);
      if (owners.owns(r.envId()) && !lost.contains(r.envId()) && was.owners().owns(r.envId())) {
        change(Scope.env(r.envId()), r, false);
      }
    }

    private void addRoute(Route asWritten, Set<String> gained) {
      Route r;
      try {
        r = RouteTableBuilder.validated(asWritten, was.policy());
      } catch (IllegalArgumentException invalid) {
        cpInvalid = cpInvalid.plus(asWritten.id(), new Rejection(asWritten.id(), invalid.getMessage()));
        return;
      }
      if (was.staticIds().contains(r.id())) {
        cpDups = cpDups.plus(r, new Rejection(r.id(), Rejections.DUPLICATE));
        return;
      }
      change(Scope.SHARED, r, true);
      if (owners.owns(r.envId()) && !gained.contains(r.envId())) {
        change(Scope.env(r.envId()), r, true);
      }
    }

    /**
     * Adds or removes one candidate at its (scope, port) and re-resolves what it can change there: its host name,
     * or the whole port when a tcp_raw route is involved.
     */
    private void change(Scope scope, Route route, boolean add) {
      HashPMap<Integer, PortRoutes> ports = index.getOrDefault(scope, HashTreePMap.empty());
      PortRoutes at = ports.getOrDefault(route.port(), PortRoutes.EMPTY);
      boolean whole = route.isRaw() || at.hasRawCandidates();
      List<Route> before = whole ? at.candidates() : at.candidatesOf(route.hostname());
      List<Route> after = new ArrayList<>(before.size() + 1);
      for (Route r : before) {
        if (Route.SENIORITY.compare(r, route) != 0) {
          after.add(r);
        }
      }
      if (add) {
        after.add(route);
      }
      after.sort(Route.SENIORITY);
      examined += before.size() + after.size();
      before.forEach(r -> {
        conflicts = conflicts.minus(ConflictKey.of(r, scope));
        touch(r);
      });
      if (!add) {
        touch(route);
      }
      Slot slot = new Slot();
      for (Route r : after) {
        touch(r);
        if (!slot.place(r)) {
          Slot.Loss loss = slot.losses.get(slot.losses.size() - 1);
          conflicts = conflicts.plus(ConflictKey.of(r, scope),
              new Conflict(scope, r.port(), loss.host(), loss.winner().id(), r.id()));
        }
      }
      PortRoutes next;
      if (whole) {
        next = after.isEmpty() ? PortRoutes.EMPTY : PortRoutes.of(slot);
      } else {
        List<Route> losers = new ArrayList<>(slot.losses.size());
        slot.losses.forEach(l -> losers.add(l.loser()));
        next = at.withHost(route.hostname(), slot.routes.isEmpty() ? null : slot.routes.get(0), losers);
      }
      put(scope, route.port(), ports, at, next);
    }

    private void put(Scope scope, int port, HashPMap<Integer, PortRoutes> ports, PortRoutes was, PortRoutes next) {
      // the oldest candidate of a port always stays, so a port with no reachable route has no candidate either
      HashPMap<Integer, PortRoutes> nextPorts = next.isEmpty() ? ports.minus(port) : ports.plus(port, next);
      index = nextPorts.isEmpty() ? index.minus(scope) : index.plus(scope, nextPorts);
      if (was.isEmpty() != next.isEmpty()) {
        countPort(port, next.isEmpty() ? -1 : 1);
        if (!scope.isShared()) {
          TreePSet<Integer> at = envPorts.getOrDefault(scope.envId(), TreePSet.empty());
          at = next.isEmpty() ? at.minus(port) : at.plus(port);
          envPorts = at.isEmpty() ? envPorts.minus(scope.envId()) : envPorts.plus(scope.envId(), at);
        }
      }
    }

    private void countPort(int port, int delta) {
      int n = portScopes.getOrDefault(port, 0) + delta;
      portScopes = n <= 0 ? portScopes.minus(port) : portScopes.plus(port, n);
    }

    private void touch(Route r) {
      List<Route> versions = touched.computeIfAbsent(r.id(), id -> new ArrayList<>(2));
      for (Route v : versions) {
        if (v == r) {
          return;
        }
      }
      versions.add(r);
    }

    // ---- the new table

    private RouteTable freeze() {
      TreePSet<Route> applied = was.applied();
      LayeredMap<String, Route> byId = was.byId();
      HashPMap<Backend, Integer> refs = was.backendRefs();
      List<Route> removed = new ArrayList<>();
      List<Route> added = new ArrayList<>();
      for (Map.Entry<String, List<Route>> t : touched.entrySet()) {
        Route old = byId.get(t.getKey());
        Route now = null;
        for (Route r : t.getValue()) {
          if (reachable(r)) {
            now = r;
          }
        }
        if (Objects.equals(old, now)) {
          continue;
        }
        if (old != null) {
          applied = applied.minus(old);
          byId = byId.minus(old.id());
          refs = count(refs, old.backends(), -1);
          removed.add(old);
        }
        if (now != null) {
          applied = applied.plus(now);
          byId = byId.plus(now.id(), now);
          refs = count(refs, now.backends(), 1);
          added.add(now);
        }
      }
      TableParts parts = new TableParts(index, owners, claims, applied, byId, portScopes, envPorts, conflicts,
          was.rejections().withCpInvalid(cpInvalid).withCpDups(cpDups), refs, was.staticIds(), was.policy(),
          true);
      return new RouteTable(version, parts, base, new RouteTable.Change(removed, added), examined, null, null);
    }

    private boolean reachable(Route r) {
      if (servedAt(Scope.SHARED, r)) {
        return true;
      }
      return owners.owns(r.envId()) && servedAt(Scope.env(r.envId()), r);
    }

    private boolean servedAt(Scope scope, Route r) {
      HashPMap<Integer, PortRoutes> ports = index.get(scope);
      PortRoutes at = ports == null ? null : ports.get(r.port());
      return at != null && at.winnerFor(r) == r;
    }

    private HashPMap<Backend, Integer> count(HashPMap<Backend, Integer> refs, List<Backend> backends, int delta) {
      for (Backend b : backends) {
        int n = refs.getOrDefault(b, 0) + delta;
        refs = n <= 0 ? refs.minus(b) : refs.plus(b, n);
      }
      return refs;
    }
  }
}
