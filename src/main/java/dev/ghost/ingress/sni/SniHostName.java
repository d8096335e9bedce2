package dev.ghost.ingress.sni;

/**
 * Normalisation of a server_name host name (RFC 6066 §3) into the form routes are matched against.
 *
 * <p>RFC 6066 says HostName is an ASCII DNS name without a trailing dot, compared case-insensitively. Clients are
 * sloppier than that, so we accept one trailing dot and any case, then insist on a plain LDH name (RFC 1123 §2.1,
 * RFC 5890 §2.3.1: letters, digits, hyphens). Anything else is rejected, never repaired.
 */
public final class SniHostName {

  /** RFC 1035 §2.3.4: 255 octets on the wire, which is 253 characters in dotted text without the final dot. */
  static final int MAX_NAME = 253;
  /** RFC 1035 §2.3.4. */
  static final int MAX_LABEL = 63;

  private SniHostName() {
  }

  /**
   * Normalises a host name: ASCII only, lower-cased, one trailing dot removed, 1..253 characters of 1..63-character
   * LDH labels with no hyphen at either end of a label, and not an IP literal.
   *
   * <p>IP literals: RFC 6066 §3 forbids literal IPv4 and IPv6 addresses in HostName. IPv6 literals already fail the
   * LDH rule (':' and '[' are not allowed). For IPv4 we reject every name whose last label is all digits: that
   * covers {@code 1.2.3.4} and the shorter forms ({@code 10.1}, {@code 3232235777}) that inet_aton-style
   * resolvers read as addresses, and it costs nothing real because no top-level domain is all-numeric
   * (RFC 3696 §2). Routing such a name would let a client address a backend by IP instead of by tenant name.
   *
   * @param name the raw name as sent, each char standing for one byte
   * @return the normalised name, or {@code null} if it is not a valid DNS host name
   */
  public static String normalize(String name) {
    if (name == null || name.isEmpty() || !isAscii(name)) {
      return null;
    }
    String s = toLowerAscii(name);
    if (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.isEmpty() || s.length() > MAX_NAME || !hasValidLabels(s) || lastLabelIsNumeric(s)) {
      return null;
    }
    return s;
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** {@code s} itself when it has no upper-case letter (clients send lower case): one name fewer per connection. */
  private static String toLowerAscii(String s) {
    int first = 0;
    while (first < s.length() && !isUpperAscii(s.charAt(first))) {
      first++;
    }
    if (first == s.length()) {
      return s;
    }
    char[] out = s.toCharArray();
    for (int i = first; i < out.length; i++) {
      if (isUpperAscii(out[i])) {
        out[i] = (char) (out[i] + ('a' - 'A'));
      }
    }
    return new String(out);
  }

  private static boolean isUpperAscii(char c) {
    return c >= 'A' && c <= 'Z';
  }

  /** Every dot-separated label is 1..63 LDH characters and neither starts nor ends with a hyphen. */
  private static boolean hasValidLabels(String s) {
    int start = 0;
    while (start <= s.length()) {
      int dot = s.indexOf('.', start);
      int end = dot < 0 ? s.length() : dot;
      if (!isValidLabel(s, start, end)) {
        return false;
      }
      if (dot < 0) {
        return true;
      }
      start = dot + 1;
    }
    return false; // a trailing dot left after stripping one: "a.." has an empty last label
  }

  private static boolean isValidLabel(String s, int start, int end) {
    int len = end - start;
    if (len < 1 || len > MAX_LABEL || s.charAt(start) == '-' || s.charAt(end - 1) == '-') {
      return false;
    }
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      boolean ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ldh) {
        return false;
      }
    }
    return true;
  }

  private static boolean lastLabelIsNumeric(String s) {
    for (int i = s.lastIndexOf('.') + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
