package dev.ghost.ingress.route;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP literal helpers that never touch DNS. */
final class Addresses {

  private Addresses() {}

  /** Parses a dotted-quad IPv4 literal; throws {@link IllegalArgumentException} for anything else. */
  static Inet4Address parseIpv4(String text) {
    if (text == null) {
      throw new IllegalArgumentException("missing IPv4 address");
    }
    String s = text.trim();
    byte[] octets = new byte[4];
    int part = 0;
    int value = -1;
    int digits = 0;
    for (int i = 0; i <= s.length(); i++) {
      char c = i < s.length() ? s.charAt(i) : '.';
      if (c >= '0' && c <= '9' && digits < 3) {
        value = (value < 0 ? 0 : value * 10) + (c - '0');
        digits++;
      } else if (c == '.' && digits > 0 && value <= 255 && part < 4) {
        octets[part++] = (byte) value;
        value = -1;
        digits = 0;
      } else {
        throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
      }
    }
    if (part != 4) {
      throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
    }
    return (Inet4Address) byAddress(octets);
  }

  /** An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) as IPv4; anything else unchanged. */
  static InetAddress unwrap(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] b = address.getAddress();
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return address;
      }
    }
    if (b[10] != (byte) 0xff || b[11] != (byte) 0xff) {
      return address;
    }
    return byAddress(new byte[] {b[12], b[13], b[14], b[15]});
  }

  private static InetAddress byAddress(byte[] octets) {
    try {
      return InetAddress.getByAddress(octets);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 octets are always a valid address", e);
    }
  }
}
