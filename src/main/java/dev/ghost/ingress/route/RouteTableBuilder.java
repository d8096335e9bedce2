package dev.ghost.ingress.route;

import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.RouteSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.HashPMap;
import org.pcollections.HashTreePMap;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * Validates and normalises route input and resolves conflicts into a {@link RouteTable}. Not thread-safe; build on
 * one thread, then publish the table through {@link RouteTableRef}.
 *
 * <p>The outcome does not depend on the order of {@code add}/{@code env} calls: routes and IPv4 claims are
 * processed oldest first (static before control plane, then lower rank, then id), and the older one always wins.
 */
public final class RouteTableBuilder {

  private final long version;
  private final PortPolicy policy;
  private final Map<String, EnvClaim> envs = new HashMap<>();
  private final List<Route> candidates = new ArrayList<>();
  private final List<Rejection> rejections = new ArrayList<>();
  // the same rejections by origin, for the table's edits (Rejections)
  private final List<Rejection> staticInvalid = new ArrayList<>();
  private final Map<String, Rejection> cpInvalid = new TreeMap<>();
  private boolean editable = true;

  /**
   * @param version the version the table will carry
   * @param policy  the tcp_raw port policy
   */
  public RouteTableBuilder(long version, PortPolicy policy) {
    this.version = version;
    this.policy = policy == null ? PortPolicy.DEFAULT : policy;
  }

  /** Declares a control-plane environment; {@code rank} is the event id of its IPv4 add-on (any id without one). */
  public RouteTableBuilder env(String id, String ipv4OrNull, long rank) {
    return env(id, ipv4OrNull, Origin.CONTROL_PLANE, rank);
  }

  /**
   * Declares an environment and its dedicated IPv4 claim. Declaring the same id twice keeps the older
   * declaration.
   */
  public RouteTableBuilder env(String id, String ipv4OrNull, Origin origin, long rank) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("env id is required");
    }
    envs.merge(id, new EnvClaim(id, ipv4OrNull, origin, rank), EnvClaim::older);
    return this;
  }

  /** Adds the static configuration: envs and routes ranked by file order. */
  public RouteTableBuilder addStatic(List<EnvSpec> envSpecs, List<RouteSpec> routeSpecs) {
    for (int i = 0; i < envSpecs.size(); i++) {
      EnvSpec e = envSpecs.get(i);
      env(e.id(), e.ipv4(), Origin.STATIC, i);
    }
    for (int i = 0; i < routeSpecs.size(); i++) {
      RouteSpec spec = routeSpecs.get(i);
      String id = spec.id() != null ? spec.id() : Integer.toString(i);
      try {
        add(fromSpec(id, spec, i));
      } catch (IllegalArgumentException e) {
        record(Origin.STATIC, new Rejection(id, e.getMessage()));
      }
    }
    return this;
  }

  /** Adds one route as written; an invalid one is recorded as a {@link Rejection} and never applied. */
  public RouteTableBuilder add(Route candidate) {
    try {
      candidates.add(validated(candidate, policy));
    } catch (IllegalArgumentException e) {
      record(candidate.origin(), new Rejection(candidate.id(), e.getMessage()));
    }
    return this;
  }

  private void record(Origin origin, Rejection r) {
    rejections.add(r);
    if (origin == Origin.STATIC) {
      staticInvalid.add(r);
    } else if (r.routeId() == null || cpInvalid.putIfAbsent(r.routeId(), r) != null) {
      editable = false; // two reasons for one id: an input a control-plane state never makes
    }
  }

  /** Resolves IPv4 claims and route conflicts into an immutable table. The builder stays usable. */
  public RouteTable build() {
    Ipv4Owners owners = Ipv4Owners.resolve(envs.values());
    List<Route> sorted = new ArrayList<>(candidates);
    sorted.sort(Route.SENIORITY);
    Resolved r = new Resolved(owners);
    for (Route route : sorted) {
      r.resolve(route);
    }
    return r.freeze();
  }

  /** The candidates resolved oldest first into slots, conflicts and rejections; then frozen into a table. */
  private final class Resolved {
    final Ipv4Owners owners;
    final Map<Scope, Map<Integer, Slot>> slots = new HashMap<>();
    final List<Conflict> conflicts = new ArrayList<>();
    final TreeMap<ConflictKey, Conflict> conflictMap = new TreeMap<>(ConflictKey.ORDER);
    final Map<String, Route> applied = new LinkedHashMap<>();
    final Set<String> seenIds = new HashSet<>();
    final Set<String> staticIds = new HashSet<>();
    final List<Rejection> allRejections = new ArrayList<>(rejections);
    final List<Rejection> staticDups = new ArrayList<>();
    final TreeMap<Route, Rejection> cpDups = new TreeMap<>(Route.SENIORITY);

    Resolved(Ipv4Owners owners) {
      this.owners = owners;
    }

    void resolve(Route route) {
      if (!seenIds.add(route.id())) {
        Rejection dup = new Rejection(route.id(), Rejections.DUPLICATE);
        allRejections.add(dup);
        if (route.origin() == Origin.STATIC) {
          staticDups.add(dup);
        } else {
          cpDups.put(route, dup);
          editable &= staticIds.contains(route.id()); // two control-plane routes with one id: not from a state
        }
        return;
      }
      if (route.origin() == Origin.STATIC) {
        staticIds.add(route.id());
      }
      place(route, Scope.SHARED);
      if (owners.owns(route.envId())) {
        place(route, Scope.env(route.envId()));
      }
    }

    /** Slots a route into a scope unless an older route already holds its key there. */
    private void place(Route route, Scope scope) {
      Slot atPort = slots.computeIfAbsent(scope, s -> new HashMap<>()).computeIfAbsent(route.port(), p -> new Slot());
      if (atPort.place(route)) {
        applied.putIfAbsent(route.id(), route);
        return;
      }
      Slot.Loss loss = atPort.losses.get(atPort.losses.size() - 1);
      Conflict c = new Conflict(scope, route.port(), loss.host(), loss.winner().id(), route.id());
      conflicts.add(c);
      conflictMap.put(ConflictKey.of(route, scope), c);
    }

    RouteTable freeze() {
      Map<Scope, HashPMap<Integer, PortRoutes>> index = new HashMap<>();
      TreeMap<Integer, Integer> portScopes = new TreeMap<>();
      Map<String, TreePSet<Integer>> envPorts = new HashMap<>();
      for (Map.Entry<Scope, Map<Integer, Slot>> scope : slots.entrySet()) {
        Map<Integer, PortRoutes> byPort = new HashMap<>();
        TreeSet<Integer> scopePorts = new TreeSet<>();
        scope.getValue().forEach((port, slot) -> {
          byPort.put(port, PortRoutes.of(slot));
          scopePorts.add(port); // the first route placed at a port always stays, so no slot is empty
          portScopes.merge(port, 1, Integer::sum);
        });
        index.put(scope.getKey(), HashTreePMap.from(byPort));
        if (!scope.getKey().isShared()) {
          envPorts.put(scope.getKey().envId(), TreePSet.fromSortedSet(scopePorts));
        }
      }
      Map<Backend, int[]> counts = new HashMap<>(); // counted in place: a boxed count per backend per route
      for (Route route : applied.values()) {
        List<Backend> backends = route.backends();
        for (int i = 0; i < backends.size(); i++) {
          counts.computeIfAbsent(backends.get(i), b -> new int[1])[0]++;
        }
      }
      Map<Backend, Integer> refs = new HashMap<>();
      counts.forEach((backend, n) -> refs.put(backend, n[0]));
      // placed oldest first, so already in seniority order: the persistent set is built in linear time
      List<Route> appliedSorted = List.copyOf(applied.values());
      TableParts parts = new TableParts(HashTreePMap.from(index), owners, TreePMap.from(envs),
          TreePSet.fromSortedSet(new SortedListView<>(appliedSorted, Route.SENIORITY)),
          LayeredMap.of(new HashMap<>(applied)), TreePMap.fromSortedMap(portScopes),
          HashTreePMap.from(envPorts), TreePMap.fromSortedMap(conflictMap),
          new Rejections(List.copyOf(staticInvalid), TreePMap.from(cpInvalid), List.copyOf(staticDups),
              TreePMap.fromSortedMap(cpDups)),
          HashTreePMap.from(refs), Set.copyOf(staticIds), policy, editable);
      return new RouteTable(version, parts, null, null, candidates.size(), List.copyOf(conflicts),
          List.copyOf(allRejections));
    }
  }

  // ---- input validation

  /** Records a route that could not even be put together (its reason), so it is reported like any rejection. */
  public RouteTableBuilder reject(String id, String reason) {
    record(Origin.CONTROL_PLANE, new Rejection(id, reason));
    return this;
  }

  private static Route fromSpec(String id, RouteSpec spec, int index) {
    List<Backend> backends = new ArrayList<>();
    if (spec.backends() != null) {
      for (HostPort hp : spec.backends()) {
        backends.add(Backend.of(hp));
      }
    }
    Protocol protocol = Protocol.parse(spec.protocol());
    return new Route(id, protocol, protocol == Protocol.TCP_RAW ? null : spec.hostname(), spec.port(), spec.env(),
        ProxyProtocol.parse(spec.proxyProtocol(), spec.proxyTlvs()), backends, spec.allowNonTls(),
        spec.idleTimeout(), spec.drainTimeout(), spec.maxConnections() == null ? 0 : spec.maxConnections(),
        Origin.STATIC, index);
  }

  /** A route as written, validated against {@code policy} and normalised; throws with the reason when invalid. */
  static Route validated(Route c, PortPolicy policy) {
    if (c.id() == null || c.id().isBlank()) {
      throw new IllegalArgumentException("route id is required");
    }
    if (c.protocol() == null) {
      throw new IllegalArgumentException("protocol is required");
    }
    if (c.origin() == null) {
      throw new IllegalArgumentException("origin is required");
    }
    if (c.port() < 1 || c.port() > 65535) {
      throw new IllegalArgumentException("route port out of range 1-65535: " + c.port());
    }
    checkDuration("idle_timeout", c.idleTimeout());
    checkDuration("drain_timeout", c.drainTimeout());
    if (c.maxConnections() < 0) {
      throw new IllegalArgumentException("max_connections must be >= 0: " + c.maxConnections());
    }
    String host = null;
    boolean allowNonTls = false;
    if (c.protocol() == Protocol.TCP_RAW) {
      String denied = (policy == null ? PortPolicy.DEFAULT : policy).denialReason(c.port());
      if (denied != null) {
        throw new IllegalArgumentException(denied);
      }
    } else {
      host = HostNames.normalizeRouteHost(c.hostname());
      allowNonTls = c.allowNonTls();
    }
    String envId = blankToNull(c.envId());
    if (Objects.equals(host, c.hostname()) && Objects.equals(envId, c.envId()) && allowNonTls == c.allowNonTls()) {
      return c; // already normal (every control-plane route in practice): a copy per route is garbage at 100 000
    }
    return new Route(c.id(), c.protocol(), host, c.port(), envId, c.proxyProtocol(),
        c.backends(), allowNonTls, c.idleTimeout(), c.drainTimeout(), c.maxConnections(), c.origin(), c.rank());
  }

  private static void checkDuration(String name, Duration d) {
    if (d != null && d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
