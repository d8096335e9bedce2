package dev.ghost.ingress.config;

import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The project's one helper for IP literals and {@code host:port} text. Never touches DNS: text is checked character
 * by character before the JDK parses it, so a name can never trigger a lookup.
 */
public final class IpLiterals {

  private IpLiterals() {}

  /** True for a dotted-quad IPv4 literal: four parts of 1 to 3 digits, each at most 255, nothing around them. */
  public static boolean isIpv4(String text) {
    return ipv4(text) != null;
  }

  /** The address of a dotted-quad IPv4 literal, or null when {@code text} is not one. */
  public static Inet4Address ipv4(String text) {
    if (text == null) {
      return null;
    }
    byte[] octets = new byte[4];
    int part = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '.';
      if (c >= '0' && c <= '9' && digits < 3) {
        value = value * 10 + (c - '0');
        digits++;
      } else if (c == '.' && digits > 0 && value <= 255 && part < 4) {
        octets[part++] = (byte) value;
        value = 0;
        digits = 0;
      } else {
        return null;
      }
    }
    return part == 4 ? (Inet4Address) byAddress(octets) : null;
  }

  /**
   * The RFC 5952 form of an IPv6 literal (lower case, longest zero run compressed), or null when the text is not an
   * IPv6 literal. An IPv4-mapped address ({@code ::ffff:10.0.0.1}, also written {@code ::ffff:a00:1}) comes back in
   * the mixed notation of RFC 5952 §5, {@code ::ffff:10.0.0.1}. Zone ids are refused.
   */
  public static String canonicalIpv6(String text) {
    if (text == null || text.indexOf(':') < 0) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!ok) {
        return null; // also keeps InetAddress away from name resolution
      }
    }
    InetAddress address;
    try {
      // hex digits, colons and dots with at least one colon: parsed as a literal, no lookup
      address = InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
    if (address instanceof Inet4Address mapped) {
      // the text had a colon, so it was IPv6; the JDK hands IPv4-mapped literals back as the IPv4 address
      return "::ffff:" + mapped.getHostAddress();
    }
    return format(address.getAddress());
  }

  /**
   * The address of an IPv4 or IPv6 literal (bare or in brackets), or null for anything else, a host name included: never a
   * lookup. Netty's parser, which allocates nothing but the address bytes, because a backend's host is read this way
   * on every dial.
   */
  public static InetAddress address(String text) {
    byte[] bytes = text == null ? null : NetUtil.createByteArrayFromIpAddressString(text);
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException impossible) {
      // getByAddress fails only for a wrong length, which a parsed literal never has
      return null;
    }
  }

  /** An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) as IPv4; anything else unchanged. */
  public static InetAddress unwrapMapped(InetAddress address) {
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

  /** {@code host:port}, an IPv6 literal host in brackets ({@code [::1]:443}); how every address is written. */
  public static String hostPort(String host, int port) {
    return bracketed(host) + ":" + port;
  }

  /** A host as it stands before {@code :port}: an IPv6 literal in brackets, anything else as it is. */
  public static String bracketed(String host) {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  private static String format(byte[] b) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestLen < 2) {
      bestStart = -1; // RFC 5952 §4.2.2: a single zero group is not compressed
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  private static InetAddress byAddress(byte[] octets) {
    try {
      return InetAddress.getByAddress(octets);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 octets are always a valid address", e);
    }
  }
}
