package dev.ghost.ingress.config;

import java.util.regex.Pattern;

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
    Parts parts = split(text, true);
    return new HostPort(parts.host(), parsePort(parts.port(), text, 0));
  }

  /**
   * An address split into its host (unbracketed) and its port text, not yet checked as a number.
   *
   * @param host the host: an IP literal or a name, never empty
   * @param port the port as written, or null when the address had none (only where a port is optional)
   */
  public record Parts(String host, String port) {}

  /**
   * The one reading of {@code host[:port]} text in the node: {@code host:port}, {@code [v6]:port}, and, when
   * {@code portRequired} is false, also {@code host}, {@code [v6]} and a bare IPv6 literal. Brackets are for IPv6
   * literals only. Throws {@link IllegalArgumentException} naming the text.
   */
  public static Parts split(String text, boolean portRequired) {
    String s = text.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty address");
    }
    String expected = portRequired ? "expected [ipv6]:port" : "expected [ipv6] or [ipv6]:port";
    String host;
    String port = null;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' in '" + text + "'");
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (rest.startsWith(":")) {
        port = rest.substring(1);
      } else if (!rest.isEmpty() || portRequired) {
        throw new IllegalArgumentException(expected + ", got '" + text + "'");
      }
      if (host.indexOf(':') < 0) {
        throw new IllegalArgumentException("brackets are for IPv6 literals, got '" + text + "'");
      }
    } else {
      int first = s.indexOf(':');
      if (first >= 0 && first == s.lastIndexOf(':')) {
        host = s.substring(0, first);
        port = s.substring(first + 1);
      } else if (portRequired) {
        throw new IllegalArgumentException("expected host:port (IPv6 in brackets), got '" + text + "'");
      } else {
        host = s; // a host alone, or a bare IPv6 literal: no port possible without brackets
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host in '" + text + "'");
    }
    return new Parts(host, port);
  }

  /**
   * The value of an HTTP {@code Host} header (RFC 9110 §7.2: an authority without user info): {@code host} or
   * {@code host:port}, an IPv6 literal only in brackets, the port 0-65535 in digits. The same reading as
   * {@link #split} with the port optional, and no bare IPv6 literal (a header's colon always starts a port). Throws
   * {@link IllegalArgumentException} naming the text.
   */
  public static Parts splitHostHeader(String text) {
    Parts parts = split(text, false);
    if (parts.host().indexOf(':') >= 0 && !text.trim().startsWith("[")) {
      throw new IllegalArgumentException("an IPv6 literal needs brackets in '" + text + "'");
    }
    if (parts.port() != null) {
      if (!DIGITS.matcher(parts.port()).matches()) {
        throw new IllegalArgumentException("port is not a number in '" + text + "'");
      }
      parsePort(parts.port(), text, 0);
    }
    return parts;
  }

  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,5}");

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
