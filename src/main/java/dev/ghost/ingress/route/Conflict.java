package dev.ghost.ingress.route;

/**
 * Two routes wanted the same (scope, port[, host]); the older one won and the loser is unreachable in that scope.
 *
 * @param scope    where the clash happened
 * @param port     the route port
 * @param host     the contested host name; null when two tcp_raw routes clashed
 * @param winnerId the route that stays reachable
 * @param loserId  the route that is not reachable in this scope
 */
public record Conflict(Scope scope, int port, String host, String winnerId, String loserId) {}
