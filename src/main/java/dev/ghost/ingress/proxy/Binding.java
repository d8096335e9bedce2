package dev.ghost.ingress.proxy;

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
    return address(host, routePort);
  }

  /** {@code host:port} with an IPv6 literal in brackets. */
  static String address(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
