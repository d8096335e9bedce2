package dev.ghost.ingress.route;

import dev.ghost.ingress.config.IpLiterals;
import java.net.Inet4Address;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable, conflict-free snapshot of every route a node serves. Built by {@link RouteTableBuilder}, or derived
 * from the previous table by a {@link RouteTableEdit} (sharing all it does not change: the maps are persistent),
 * published through {@link RouteTableRef}; a connection routes against one snapshot from start to end.
 *
 * <p>Per-connection queries ({@link #scopeFor}, {@link #routesAt}) are hash lookups that allocate nothing in the
 * common case. Everything else is introspection for listeners and the admin API, returned as unmodifiable,
 * deterministically ordered collections of plain records.
 */
public final class RouteTable {

  private static final Optional<Scope> SHARED_SCOPE = Optional.of(Scope.SHARED);

  private final long version;
  private final TableParts parts;
  /** The table this one was derived from by a change (weakly: a node never keeps a chain of tables); or null. */
  private final WeakReference<RouteTable> parent;
  private final Change change;
  private final long routesExamined;
  // ---- introspection lists, made on first use (a full build hands in its own)
  private volatile List<Conflict> conflictList;
  private volatile List<Rejection> rejectionList;

  RouteTable(long version, TableParts parts, RouteTable parent, Change change, long routesExamined,
      List<Conflict> conflicts, List<Rejection> rejections) {
    this.version = version;
    this.parts = parts;
    this.parent = parent == null ? null : new WeakReference<>(parent);
    this.change = change;
    this.routesExamined = routesExamined;
    this.conflictList = conflicts;
    this.rejectionList = rejections;
  }

  /**
   * What a change did to the reachable routes, for swap listeners that keep per-route or per-backend state: the
   * routes that stopped being reachable (or were replaced) and those that started being (or replace them). A
   * route replaced by a changed copy is in both.
   *
   * @param removed routes of the parent table no longer reachable as they were
   * @param added   routes reachable now that were not, as they are
   */
  public record Change(List<Route> removed, List<Route> added) {

    /** Copies the lists. */
    public Change {
      removed = List.copyOf(removed);
      added = List.copyOf(added);
    }
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
    Optional<Scope> scope = parts.owners().scopes().get(a);
    return scope == null ? Optional.empty() : scope;
  }

  /** The routes reachable at a scope and route port; {@link PortRoutes#EMPTY} when none. */
  public PortRoutes routesAt(Scope scope, int routePort) {
    Map<Integer, PortRoutes> ports = parts.index().get(scope);
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

  /**
   * Routes reachable in at least one scope, oldest first. Rejected routes and total conflict losers are absent.
   * A view: iterating it walks the table, so a swap listener should read {@link #changeFrom} instead.
   */
  public List<Route> routes() {
    return new RouteList(parts.applied());
  }

  /** An applied route by id, or null. */
  public Route route(String id) {
    return parts.byId().get(id);
  }

  /** The ids of the reachable routes (a view; membership is a lookup, not a scan). */
  public Set<String> routeIds() {
    return parts.byId().keys();
  }

  /** Every route port with at least one reachable route, ascending. Listeners bind these (plus configured ones). */
  public Set<Integer> routePorts() {
    return Collections.unmodifiableSet(parts.portScopes().keySet());
  }

  /** Environment id to the IPv4 address it actually owns (dotted quad), sorted by id. */
  public Map<String, String> envIpv4() {
    return parts.owners().envIpv4();
  }

  /** Environments whose IPv4 claim failed (lost to an older claim, or not an IPv4 address), sorted. */
  public Set<String> degradedEnvs() {
    return parts.owners().degraded().keySet();
  }

  /** Environment id to why it is degraded, sorted by id. */
  public Map<String, String> degradedReasons() {
    return parts.owners().degraded();
  }

  /** The route ports reachable on an environment's dedicated IPv4, ascending; empty without one. */
  public Set<Integer> portsOfEnv(String envId) {
    Set<Integer> ports = parts.envPorts().get(envId);
    return ports == null ? Set.of() : Collections.unmodifiableSet(ports);
  }

  /** Every conflict, in a deterministic order (by loser seniority, shared scope first). */
  public List<Conflict> conflicts() {
    List<Conflict> list = conflictList;
    if (list == null) {
      list = List.copyOf(parts.conflicts().values());
      conflictList = list;
    }
    return list;
  }

  /** Routes not applied at all, with reasons. */
  public List<Rejection> rejections() {
    List<Rejection> list = rejectionList;
    if (list == null) {
      list = parts.rejections().all();
      rejectionList = list;
    }
    return list;
  }

  /** True when at least one reachable route has this backend. */
  public boolean hasBackend(Backend backend) {
    return parts.backendRefs().containsKey(backend);
  }

  /** Every backend of a reachable route (a view; introspection). */
  public Set<Backend> backends() {
    return Collections.unmodifiableSet(parts.backendRefs().keySet());
  }

  /**
   * What changed from {@code previous} to this table, when this table was derived from exactly that one by a
   * {@link RouteTableEdit}; empty when it was built from scratch or from another table: then a listener compares
   * the whole tables, as before.
   */
  public Optional<Change> changeFrom(RouteTable previous) {
    RouteTable p = parent == null ? null : parent.get();
    return p != null && p == previous ? Optional.of(change) : Optional.empty();
  }

  /**
   * The routes this table's making looked at: every candidate for a full build, only those sharing a touched
   * (scope, port, host) for a derived one (plus an environment's routes when its IPv4 ownership changed).
   */
  public long routesExamined() {
    return routesExamined;
  }

  TableParts parts() {
    return parts;
  }

  @Override
  public String toString() {
    return "RouteTable[version=" + version + ", routes=" + parts.applied().size() + ", conflicts="
        + parts.conflicts().size() + ", rejections=" + rejections().size() + ", degraded="
        + degradedEnvs() + "]";
  }
}
