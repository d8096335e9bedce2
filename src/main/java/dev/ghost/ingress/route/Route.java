package dev.ghost.ingress.route;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * A route. The table holds validated, normalised ones: {@link RouteTableBuilder#add} takes a route as written (the
 * static config, the sync, tests: the factories and {@code with*} copies below), checks it against the port policy
 * and the rules of names and durations, and keeps a copy with its host name normalised. The constructor only checks
 * structural invariants.
 *
 * @param id             unique within a table
 * @param protocol       how connections are matched
 * @param hostname       for tls_passthrough: as written, normalised to an A-label name in a table; null for tcp_raw
 * @param port           the route (listener) port, 1-65535
 * @param envId          owning environment, or null
 * @param proxyProtocol  PROXY header setting
 * @param backends       distinct backends in configured order (duplicates are dropped); may be empty
 * @param allowNonTls    a tls_passthrough route that takes non-TLS clients when it is alone on its port
 * @param idleTimeout    null = node default; {@link Duration#ZERO} = none
 * @param drainTimeout   null = node default; {@link Duration#ZERO} = no deadline
 * @param maxConnections 0 = node default (unlimited unless the node sets one)
 * @param origin         static configuration or control plane
 * @param rank           seniority within the origin: file index, or the {@code route.created} event id
 */
public record Route(
    String id,
    Protocol protocol,
    String hostname,
    int port,
    String envId,
    ProxyProtocol proxyProtocol,
    List<Backend> backends,
    boolean allowNonTls,
    Duration idleTimeout,
    Duration drainTimeout,
    int maxConnections,
    Origin origin,
    long rank) {

  /**
   * Older first: static before control plane, then lower rank; the id breaks ties so the order is total and a
   * table never depends on insertion order.
   */
  public static final Comparator<Route> SENIORITY = Comparator.comparing(Route::origin)
      .thenComparingLong(Route::rank)
      .thenComparing(Route::id);

  /** Checks invariants and copies the backend list. */
  public Route {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(origin, "origin");
    if (proxyProtocol == null) {
      proxyProtocol = ProxyProtocol.OFF;
    }
    if (protocol == Protocol.TLS_PASSTHROUGH && hostname == null) {
      throw new IllegalArgumentException("tls_passthrough route " + id + " needs a host name");
    }
    if (protocol == Protocol.TCP_RAW && hostname != null) {
      throw new IllegalArgumentException("tcp_raw route " + id + " cannot have a host name");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("route port out of range 1-65535: " + port);
    }
    if (maxConnections < 0) {
      throw new IllegalArgumentException("max_connections must be >= 0: " + maxConnections);
    }
    backends = distinct(backends);
  }

  /**
   * The backends without duplicates, as an unmodifiable list: the given list itself when it already is one without
   * duplicates, so routes built from one backend set (a group's instances) share it instead of a copy each.
   */
  private static List<Backend> distinct(List<Backend> backends) {
    if (backends == null) {
      return List.of();
    }
    List<Backend> copy = List.copyOf(backends);
    return hasDuplicates(copy) ? List.copyOf(new LinkedHashSet<>(copy)) : copy;
  }

  /** Pairwise for the usual few backends (no allocation), hashed for long lists. */
  private static boolean hasDuplicates(List<Backend> list) {
    int n = list.size();
    if (n > 8) {
      return new HashSet<>(list).size() != n;
    }
    for (int i = 1; i < n; i++) {
      for (int j = 0; j < i; j++) {
        if (list.get(i).equals(list.get(j))) {
          return true;
        }
      }
    }
    return false;
  }

  /** A control-plane tls_passthrough route with defaults (rank 0, no backends); refine with {@code with*}. */
  public static Route tls(String id, String hostname, int port) {
    return new Route(id, Protocol.TLS_PASSTHROUGH, hostname, port, null, ProxyProtocol.OFF, List.of(),
        false, null, null, 0, Origin.CONTROL_PLANE, 0);
  }

  /** A control-plane tcp_raw route with defaults (rank 0, no backends); refine with {@code with*}. */
  public static Route raw(String id, int port) {
    return new Route(id, Protocol.TCP_RAW, null, port, null, ProxyProtocol.OFF, List.of(),
        false, null, null, 0, Origin.CONTROL_PLANE, 0);
  }

  /** A copy with this origin and rank. */
  public Route withOrigin(Origin newOrigin, long newRank) {
    return new Route(id, protocol, hostname, port, envId, proxyProtocol, backends, allowNonTls,
        idleTimeout, drainTimeout, maxConnections, newOrigin, newRank);
  }

  /** A copy owned by this environment. */
  public Route withEnv(String newEnvId) {
    return new Route(id, protocol, hostname, port, newEnvId, proxyProtocol, backends, allowNonTls,
        idleTimeout, drainTimeout, maxConnections, origin, rank);
  }

  /** A copy with these backends. */
  public Route withBackends(List<Backend> newBackends) {
    return new Route(id, protocol, hostname, port, envId, proxyProtocol, newBackends, allowNonTls,
        idleTimeout, drainTimeout, maxConnections, origin, rank);
  }

  /** A copy with this PROXY setting. */
  public Route withProxyProtocol(ProxyProtocol newProxyProtocol) {
    return new Route(id, protocol, hostname, port, envId, newProxyProtocol, backends, allowNonTls,
        idleTimeout, drainTimeout, maxConnections, origin, rank);
  }

  /** A copy with the non-TLS fallback switch set. */
  public Route withAllowNonTls(boolean allow) {
    return new Route(id, protocol, hostname, port, envId, proxyProtocol, backends, allow,
        idleTimeout, drainTimeout, maxConnections, origin, rank);
  }

  /** A copy with these limits and timeouts. */
  public Route withLimits(Duration newIdle, Duration newDrain, int newMaxConnections) {
    return new Route(id, protocol, hostname, port, envId, proxyProtocol, backends, allowNonTls,
        newIdle, newDrain, newMaxConnections, origin, rank);
  }

  /** True for a tcp_raw route. */
  public boolean isRaw() {
    return protocol == Protocol.TCP_RAW;
  }

  /**
   * The scope-independent part of the conflict key: {@code port} for tcp_raw, {@code port/host} for
   * tls_passthrough. Two tls_passthrough routes clash in a scope when their keys are equal; a tcp_raw route
   * clashes with anything on its port.
   */
  public String key() {
    return hostname == null ? Integer.toString(port) : port + "/" + hostname;
  }

  /** The conflict key within a scope, e.g. {@code shared|443/shop.example.com}. */
  public String key(Scope scope) {
    return scope + "|" + key();
  }

  /** True when this route wins a conflict against {@code other}. */
  public boolean olderThan(Route other) {
    return SENIORITY.compare(this, other) < 0;
  }
}
