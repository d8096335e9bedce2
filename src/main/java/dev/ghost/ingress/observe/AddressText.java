package dev.ghost.ingress.observe;

import dev.ghost.ingress.config.IpLiterals;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The one way an address is written in logs: {@code [2001:db8::1]:443} for IPv6 (RFC 5952's short form, in brackets
 * as in a URL, RFC 3986 §3.2.2) and {@code 192.0.2.1:443} for IPv4, as listeners and backends are configured. The
 * JDK's {@code getHostAddress()} writes {@code 0:0:0:0:0:0:0:1} with the port glued on, which no operator can read
 * back.
 */
public final class AddressText {

  private AddressText() {}

  /** {@code [v6]:port} or {@code v4:port}; an unresolved address keeps its host name. */
  public static String of(InetSocketAddress address) {
    return address == null ? null : NetUtil.toSocketAddressString(address);
  }

  /** A Vert.x socket address the same way; null stays null. */
  public static String of(io.vertx.core.net.SocketAddress address) {
    if (address == null) {
      return null;
    }
    String host = address.hostAddress() != null ? address.hostAddress() : address.host();
    if (host == null) {
      return String.valueOf(address); // a domain socket
    }
    InetAddress literal = IpLiterals.address(host);
    if (literal != null) {
      host = NetUtil.toAddressString(literal);
    }
    return NetUtil.toSocketAddressString(host, address.port());
  }
}
