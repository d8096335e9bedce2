package dev.ghost.ingress.route;

import dev.ghost.ingress.config.IpLiterals;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable, conflict-free snapshot of every route a node serves. Built by {@link RouteTableBuilder}, published
 * through {@link RouteTableRef}; a connection routes against one snapshot from start to end.
 *
 * <p>Per-connection queries ({@link #scopeFor}, {@link #routesAt}) are hash lookups that allocate nothing in the
 * common case. Everything else is introspection for listeners and the admin API, returned as unmodifiable,
 * deterministically ordered collections of plain records.
 */
public final class RouteTable {

  private static final Optional<Scope> SHARED_SCOPE = Optional.of(Scope.SHARED);

  // ---- hot path
  private final Map<Scope, Map<Integer, PortRoutes>> index;
  private final Map<InetAddress, Optional<Scope>> ipv4Scopes;

  // ---- introspection
  private final long version;
  private final List<Route> routes;
  private final Map<String, Route> routesById;
  private final Set<Integer> routePorts;
  private final Map<String, String> envIpv4;
  private final Map<String, String> degraded;
  private final Map<String, Set<Integer>> envPorts;
  private final List<Conflict> conflicts;
  private final List<Rejection> rejections;

  RouteTable(
      long version,
      Map<Scope, Map<Integer, PortRoutes>> index,
      Map<InetAddress, Optional<Scope>> ipv4Scopes,
      List<Route> routes,
      Map<String, Route> routesById,
      Set<Integer> routePorts,
      Map<String, String> envIpv4,
      Map<String, String> degraded,
      Map<String, Set<Integer>> envPorts,
      List<Conflict> conflicts,
      List<Rejection> rejections) {
    this.version = version;
    this.index = index;
    this.ipv4Scopes = ipv4Scopes;
    this.routes = routes;
    this.routesById = routesById;
    this.routePorts = routePorts;
    this.envIpv4 = envIpv4;
    this.degraded = degraded;
    this.envPorts = envPorts;
    this.conflicts = conflicts;
    this.rejections = rejections;
  }

  /** A table with no routes and no environments. */
  public static RouteTable empty(long version) {
    return new RouteTableBuilder(version, PortPolicy.DEFAULT).build();
  }

  // ---- per connection

  /**
   * An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) as the IPv4 address it carries; any other address
   * unchanged. Dual-stack sockets report IPv4 clients this way.
   */
  public static InetAddress unwrap(InetAddress address) {
    return IpLiterals.unwrapMapped(address);
  }

  /**
   * The scope a connection accepted on {@code local} (the socket's local address) may reach: {@link Scope#SHARED}
   * for IPv6, the owning environment's scope for an owned IPv4 address, empty for an IPv4 address nobody owns
   * (which serves nothing).
   */
  public Optional<Scope> scopeFor(InetAddress local) {
    InetAddress a = IpLiterals.unwrapMapped(local);
    if (!(a instanceof Inet4Address)) {
      return SHARED_SCOPE;
    }
    Optional<Scope> scope = ipv4Scopes.get(a);
    return scope == null ? Optional.empty() : scope;
  }

  /** The routes reachable at a scope and route port; {@link PortRoutes#EMPTY} when none. */
  public PortRoutes routesAt(Scope scope, int routePort) {
    Map<Integer, PortRoutes> ports = index.get(scope);
    if (ports == null) {
      return PortRoutes.EMPTY;
    }
    PortRoutes at = ports.get(routePort);
    return at == null ? PortRoutes.EMPTY : at;
  }

  // ---- introspection

  /** The version this table was built with (control-plane cursor or a local counter). */
  public long version() {
    return version;
  }

  /** Routes reachable in at least one scope, oldest first. Rejected routes and total conflict losers are absent. */
  public List<Route> routes() {
    return routes;
  }

  /** An applied route by id, or null. */
  public Route route(String id) {
    return routesById.get(id);
  }

  /** Every route port with at least one reachable route, ascending. Listeners bind these (plus configured ones). */
  public Set<Integer> routePorts() {
    return routePorts;
  }

  /** Environment id to the IPv4 address it actually owns (dotted quad), sorted by id. */
  public Map<String, String> envIpv4() {
    return envIpv4;
  }

  /** Environments whose IPv4 claim failed (lost to an older claim, or not an IPv4 address), sorted. */
  public Set<String> degradedEnvs() {
    return degraded.keySet();
  }

  /** Environment id to why it is degraded, sorted by id. */
  public Map<String, String> degradedReasons() {
    return degraded;
  }

  /** The route ports reachable on an environment's dedicated IPv4, ascending; empty without one. */
  public Set<Integer> portsOfEnv(String envId) {
    return envPorts.getOrDefault(envId, Set.of());
  }

  /** Every conflict, in a deterministic order (by loser seniority, shared scope first). */
  public List<Conflict> conflicts() {
    return conflicts;
  }

  /** Routes not applied at all, with reasons. */
  public List<Rejection> rejections() {
    return rejections;
  }

  @Override
  public String toString() {
    return "RouteTable[version=" + version + ", routes=" + routes.size() + ", conflicts=" + conflicts.size()
        + ", rejections=" + rejections.size() + ", degraded=" + degraded.keySet() + "]";
  }
}
