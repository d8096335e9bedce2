package dev.ghost.ingress.route;

import dev.ghost.ingress.config.IpLiterals;
import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.RouteSpec;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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
    EnvClaim claim = new EnvClaim(id, ipv4OrNull, origin, rank);
    envs.merge(id, claim, (a, b) -> EnvClaim.SENIORITY.compare(a, b) <= 0 ? a : b);
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
        rejections.add(new Rejection(id, e.getMessage()));
      }
    }
    return this;
  }

  /** Adds one route as written; an invalid one is recorded as a {@link Rejection} and never applied. */
  public RouteTableBuilder add(Route candidate) {
    try {
      candidates.add(toRoute(candidate));
    } catch (IllegalArgumentException e) {
      rejections.add(new Rejection(candidate.id(), e.getMessage()));
    }
    return this;
  }

  /** Resolves IPv4 claims and route conflicts into an immutable table. The builder stays usable. */
  public RouteTable build() {
    Map<String, String> envIpv4 = new TreeMap<>();
    Map<String, String> degraded = new TreeMap<>();
    Map<InetAddress, Optional<Scope>> ipv4Scopes = resolveIpv4(envIpv4, degraded);

    List<Route> sorted = new ArrayList<>(candidates);
    sorted.sort(Route.SENIORITY);
    List<Rejection> allRejections = new ArrayList<>(rejections);
    List<Conflict> conflicts = new ArrayList<>();
    Map<Scope, Map<Integer, Slot>> slots = new HashMap<>();
    Map<String, Route> applied = new LinkedHashMap<>();
    Set<String> seenIds = new HashSet<>();

    for (Route route : sorted) {
      if (!seenIds.add(route.id())) {
        allRejections.add(new Rejection(route.id(), "duplicate route id; the older route with this id is kept"));
        continue;
      }
      place(route, Scope.SHARED, slots, conflicts, applied);
      if (route.envId() != null && envIpv4.containsKey(route.envId())) {
        place(route, Scope.env(route.envId()), slots, conflicts, applied);
      }
    }
    return freeze(slots, ipv4Scopes, applied, envIpv4, degraded, conflicts, allRejections);
  }

  // ---- conflicts

  /** Slots a route into a scope unless an older route already holds its key there. */
  private static void place(Route route, Scope scope, Map<Scope, Map<Integer, Slot>> slots,
      List<Conflict> conflicts, Map<String, Route> applied) {
    Slot atPort = slots.computeIfAbsent(scope, s -> new HashMap<>()).computeIfAbsent(route.port(), p -> new Slot());
    Route winner = atPort.blocker(route);
    if (winner != null) {
      String host = route.hostname() != null ? route.hostname() : winner.hostname();
      conflicts.add(new Conflict(scope, route.port(), host, winner.id(), route.id()));
      return;
    }
    atPort.add(route);
    applied.putIfAbsent(route.id(), route);
  }

  /**
   * The routes placed at one (scope, port) so far, oldest first, with their names hashed: the clash check is one
   * probe, not a scan of the port's routes (which made a build quadratic in the routes per port).
   */
  private static final class Slot {
    final List<Route> routes = new ArrayList<>(2);
    final Map<String, Route> byHost = new HashMap<>();

    /** The already placed (hence older) route that keeps {@code route} out, or null. */
    Route blocker(Route route) {
      if (routes.isEmpty()) {
        return null;
      }
      Route first = routes.get(0);
      // A tcp_raw route takes the whole port, so it clashes with anything there, and anything clashes with it.
      if (route.isRaw() || first.isRaw()) {
        return first;
      }
      return byHost.get(route.hostname());
    }

    void add(Route route) {
      routes.add(route);
      if (!route.isRaw()) {
        byHost.put(route.hostname(), route);
      }
    }
  }

  // ---- IPv4 ownership

  private Map<InetAddress, Optional<Scope>> resolveIpv4(Map<String, String> envIpv4, Map<String, String> degraded) {
    List<EnvClaim> claims = new ArrayList<>(envs.values());
    claims.sort(EnvClaim.SENIORITY);
    Map<InetAddress, Optional<Scope>> owners = new HashMap<>();
    Map<InetAddress, String> ownerIds = new HashMap<>();
    for (EnvClaim claim : claims) {
      if (claim.ipv4() == null || claim.ipv4().isBlank()) {
        continue;
      }
      Inet4Address address = IpLiterals.ipv4(claim.ipv4().trim());
      if (address == null) {
        degraded.put(claim.id(), "invalid dedicated IPv4: not an IPv4 address: '" + claim.ipv4() + "'");
        continue;
      }
      String owner = ownerIds.putIfAbsent(address, claim.id());
      if (owner != null) {
        degraded.put(claim.id(), "IPv4 " + address.getHostAddress() + " is already owned by env " + owner);
        continue;
      }
      owners.put(address, Optional.of(Scope.env(claim.id())));
      envIpv4.put(claim.id(), address.getHostAddress());
    }
    return owners;
  }

  // ---- input validation

  /** Records a route that could not even be put together (its reason), so it is reported like any rejection. */
  public RouteTableBuilder reject(String id, String reason) {
    rejections.add(new Rejection(id, reason));
    return this;
  }

  private Route fromSpec(String id, RouteSpec spec, int index) {
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

  private Route toRoute(Route c) {
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
      String denied = policy.denialReason(c.port());
      if (denied != null) {
        throw new IllegalArgumentException(denied);
      }
    } else {
      host = HostNames.normalizeRouteHost(c.hostname());
      allowNonTls = c.allowNonTls();
    }
    return new Route(c.id(), c.protocol(), host, c.port(), blankToNull(c.envId()), c.proxyProtocol(),
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

  // ---- freezing

  private RouteTable freeze(Map<Scope, Map<Integer, Slot>> slots, Map<InetAddress, Optional<Scope>> ipv4,
      Map<String, Route> applied, Map<String, String> envIpv4, Map<String, String> degraded,
      List<Conflict> conflicts, List<Rejection> allRejections) {
    Map<Scope, Map<Integer, PortRoutes>> index = new HashMap<>();
    Set<Integer> ports = new TreeSet<>();
    Map<String, Set<Integer>> envPorts = new TreeMap<>();
    for (Map.Entry<Scope, Map<Integer, Slot>> scope : slots.entrySet()) {
      Map<Integer, PortRoutes> byPort = new HashMap<>();
      Set<Integer> scopePorts = new TreeSet<>();
      for (Map.Entry<Integer, Slot> port : scope.getValue().entrySet()) {
        if (!port.getValue().routes.isEmpty()) {
          byPort.put(port.getKey(), new PortRoutes(port.getValue().routes));
          scopePorts.add(port.getKey());
        }
      }
      index.put(scope.getKey(), Map.copyOf(byPort));
      ports.addAll(scopePorts);
      if (!scope.getKey().isShared()) {
        envPorts.put(scope.getKey().envId(), Collections.unmodifiableSet(scopePorts));
      }
    }
    List<Route> routes = List.copyOf(applied.values());
    return new RouteTable(version, Map.copyOf(index), Map.copyOf(ipv4), routes, Map.copyOf(applied),
        Collections.unmodifiableSet(ports), Collections.unmodifiableMap(envIpv4),
        Collections.unmodifiableMap(degraded), Collections.unmodifiableMap(envPorts), List.copyOf(conflicts),
        List.copyOf(allRejections));
  }

  /** One environment's IPv4 claim; older claims keep the address. */
  private record EnvClaim(String id, String ipv4, Origin origin, long rank) {
    static final Comparator<EnvClaim> SENIORITY = Comparator.comparing(EnvClaim::origin)
        .thenComparingLong(EnvClaim::rank)
        .thenComparing(EnvClaim::id);
  }
}
