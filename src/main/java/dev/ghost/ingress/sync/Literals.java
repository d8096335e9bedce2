package dev.ghost.ingress.sync;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP literal checks for control-plane data; never touches DNS. */
final class Literals {

  private Literals() {}

  /** True for a dotted-quad IPv4 literal (no leading/trailing junk, octets 0-255, at most 3 digits each). */
  static boolean isIpv4(String text) {
    if (text == null) {
      return false;
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3) {
        return false;
      }
      for (int i = 0; i < p.length(); i++) {
        if (p.charAt(i) < '0' || p.charAt(i) > '9') {
          return false;
        }
      }
      if (Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  /**
   * The RFC 5952 form of an IPv6 literal (lower case, longest zero run compressed), or null when the text is not
   * an IPv6 literal. An IPv4-mapped address ({@code ::ffff:10.0.0.1}, also written {@code ::ffff:a00:1}) comes back
   * in the mixed notation of RFC 5952 §5, {@code ::ffff:10.0.0.1}: a static backend accepts the same literal and the
   * dialler connects to the IPv4 address it maps. Zone ids are refused: an overlay address never has one.
   */
  static String canonicalIpv6(String text) {
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
      // The text is hex digits, colons and dots with at least one colon: parsed as a literal, no lookup.
      address = InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
    if (address instanceof Inet4Address mapped) {
      // The text had a colon, so it was IPv6; the JDK hands IPv4-mapped literals back as the IPv4 address
      return "::ffff:" + mapped.getHostAddress();
    }
    return format(address.getAddress());
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
}
