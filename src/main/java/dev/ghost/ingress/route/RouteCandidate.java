package dev.ghost.ingress.route;

import java.time.Duration;
import java.util.List;

/**
 * Raw route input, before host name normalisation and policy checks: what the static config and the control-plane
 * sync hand to {@link RouteTableBuilder#add(RouteCandidate)}. The {@code with*} methods return modified copies.
 *
 * @param id             route id; required
 * @param protocol       required
 * @param hostname       as written (Unicode allowed); ignored for tcp_raw
 * @param port           the route (listener) port
 * @param envId          owning environment, or null
 * @param proxyProtocol  null = off
 * @param backends       backend addresses in preferred order
 * @param allowNonTls    see {@link Route#allowNonTls()}
 * @param idleTimeout    null = node default; zero = none
 * @param drainTimeout   null = node default; zero = no deadline
 * @param maxConnections 0 = node default
 * @param origin         static or control plane
 * @param rank           file index or {@code route.created} event id
 */
public record RouteCandidate(
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

  /** A control-plane tls_passthrough candidate with defaults (rank 0, no backends); refine with {@code with*}. */
  public static RouteCandidate tls(String id, String hostname, int port) {
    return new RouteCandidate(id, Protocol.TLS_PASSTHROUGH, hostname, port, null, ProxyProtocol.OFF, List.of(),
        false, null, null, 0, Origin.CONTROL_PLANE, 0);
  }

  /** A control-plane tcp_raw candidate with defaults (rank 0, no backends); refine with {@code with*}. */
  public static RouteCandidate raw(String id, int port) {
    return new RouteCandidate(id, Protocol.TCP_RAW, null, port, null, ProxyProtocol.OFF, List.of(),
        false, null, null, 0, Origin.CONTROL_PLANE, 0);
  }

  /** A copy with this origin and rank. */
  public RouteCandidate withOrigin(Origin newOrigin, long newRank) {
    return new RouteCandidate(id, protocol, hostname, port, envId, proxyProtocol, backends, allowNonTls,
        idleTimeout, drainTimeout, maxConnections, newOrigin, newRank);
  }

  /** A copy owned by this environment. */
  public RouteCandidate withEnv(String newEnvId) {
    return new RouteCandidate(id, protocol, hostname, port, newEnvId, proxyProtocol, backends, allowNonTls,
        idleTimeout, drainTimeout, maxConnections, origin, rank);
  }

  /** A copy with these backends. */
  public RouteCandidate withBackends(List<Backend> newBackends) {
    return new RouteCandidate(id, protocol, hostname, port, envId, proxyProtocol, newBackends, allowNonTls,
        idleTimeout, drainTimeout, maxConnections, origin, rank);
  }

  /** A copy with this PROXY setting. */
  public RouteCandidate withProxyProtocol(ProxyProtocol newProxyProtocol) {
    return new RouteCandidate(id, protocol, hostname, port, envId, newProxyProtocol, backends, allowNonTls,
        idleTimeout, drainTimeout, maxConnections, origin, rank);
  }

  /** A copy with the non-TLS fallback switch set. */
  public RouteCandidate withAllowNonTls(boolean allow) {
    return new RouteCandidate(id, protocol, hostname, port, envId, proxyProtocol, backends, allow,
        idleTimeout, drainTimeout, maxConnections, origin, rank);
  }

  /** A copy with these limits and timeouts. */
  public RouteCandidate withLimits(Duration newIdle, Duration newDrain, int newMaxConnections) {
    return new RouteCandidate(id, protocol, hostname, port, envId, proxyProtocol, backends, allowNonTls,
        newIdle, newDrain, newMaxConnections, origin, rank);
  }
}
