package dev.ghost.ingress.config;

/**
 * A listen or backend address as written in the configuration: {@code host:port}, with IPv6 literals in brackets
 * ({@code [::1]:443}). The host is kept without brackets.
 *
 * @param host a host name or an IP literal, never bracketed
 * @param port 0-65535; 0 asks the kernel for an ephemeral port
 */
public record HostPort(String host, int port) {

  /** Parses {@code host:port} or {@code [v6]:port}; throws {@link IllegalArgumentException} with a reason. */
  public static HostPort parse(String text) {
    String s = text.trim();
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("expected [ipv6]:port, got '" + text + "'");
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon <= 0 || s.indexOf(':') != colon) {
        throw new IllegalArgumentException("expected host:port (IPv6 in brackets), got '" + text + "'");
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host in '" + text + "'");
    }
    return new HostPort(host, parsePort(port, text, 0));
  }

  /**
   * The port of an address, {@code min}-65535 (0 allowed only where it means an ephemeral port).
   *
   * @param text the whole address, named in the error
   * @throws IllegalArgumentException naming the address, when it is not a number or out of range
   */
  public static int parsePort(String port, String text, int min) {
    try {
      int p = Integer.parseInt(port);
      if (p < min || p > 65535) {
        throw new IllegalArgumentException("port out of range " + min + "-65535 in '" + text + "'");
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port is not a number in '" + text + "'");
    }
  }

  /** True for an IPv6 literal host. */
  public boolean isIpv6Literal() {
    return host.indexOf(':') >= 0;
  }

  @Override
  public String toString() {
    return IpLiterals.hostPort(host, port);
  }
}
