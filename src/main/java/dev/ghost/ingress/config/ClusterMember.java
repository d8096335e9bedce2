package dev.ghost.ingress.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One entry of {@code GHOST_CLUSTER_MEMBERS}: {@code host} or {@code host:port}, IPv6 literals in brackets
 * ({@code [fd00::1]:5701}; a bare IPv6 literal without a port is accepted too). An entry without a port means the
 * node's own {@code cluster.port}: every member of a fleet is expected to use the same port unless written out.
 * Port ranges are not supported (Hazelcast would misread them).
 *
 * @param host a host name or an IP literal, never bracketed
 * @param port 1-65535, or 0 when the entry had no port and the default is 0 (ephemeral own port); then Hazelcast
 *             tries its default port range on that host
 */
public record ClusterMember(String host, int port) {

  /** Parses one entry; {@code defaultPort} is used when it has none. Throws {@link IllegalArgumentException}. */
  public static ClusterMember parse(String text, int defaultPort) {
    HostPort.Parts parts = HostPort.split(text, false);
    String host = parts.host();
    if (host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '[' || c == ']' || c == '/')) {
      throw new IllegalArgumentException("bad host in '" + text + "'");
    }
    int p = parts.port() == null ? defaultPort : parsePort(parts.port(), text);
    return new ClusterMember(host, p);
  }

  /** Parses every entry (see {@link #parse}); the first bad one throws. */
  public static List<ClusterMember> parseAll(List<String> entries, int defaultPort) {
    List<ClusterMember> out = new ArrayList<>();
    for (String e : entries) {
      out.add(parse(e, defaultPort));
    }
    return Collections.unmodifiableList(out);
  }

  private static int parsePort(String port, String text) {
    if (port.isEmpty() || port.contains("-")) {
      throw new IllegalArgumentException("expected one port 1-65535 (no ranges) in '" + text + "'");
    }
    return HostPort.parsePort(port, text, 1);
  }

  /** True for an IPv6 literal host. */
  public boolean isIpv6Literal() {
    return host.indexOf(':') >= 0;
  }

  /** {@code host:port} as Hazelcast's tcp-ip member list wants it ({@code [v6]:port}; no port when 0). */
  @Override
  public String toString() {
    return port == 0 ? IpLiterals.bracketed(host) : IpLiterals.hostPort(host, port);
  }
}
