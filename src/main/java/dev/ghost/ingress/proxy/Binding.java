package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.IpLiterals;

/**
 * One listening socket the node wants: a host, the route port it serves, and the port it binds (after the port
 * map; 0 = ephemeral).
 *
 * @param host      an IP literal or host name, unbracketed
 * @param routePort the port routes are matched against
 * @param bindPort  the port actually bound
 */
public record Binding(String host, int routePort, int bindPort) {

  /** {@code host:routePort}, IPv6 in brackets: the listener label in metrics and logs. */
  public String label() {
    return IpLiterals.hostPort(host, routePort);
  }
}
