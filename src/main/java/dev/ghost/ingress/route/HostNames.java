package dev.ghost.ingress.route;

import java.net.IDN;
import java.util.Locale;

/** Route host name normalisation: the one place that decides which names a route may bind. */
public final class HostNames {

  static final int MAX_NAME = 253;
  static final int MAX_LABEL = 63;

  private HostNames() {}

  /**
   * Normalises a configured or control-plane host name to the form SNI is matched against: ASCII A-labels
   * (IDNA2003 via {@link IDN#toASCII(String, int)}), lower case, one trailing dot removed, LDH labels.
   *
   * @throws InvalidHostNameException with a reason when the name cannot be bound
   */
  public static String normalizeRouteHost(String name) {
    if (name == null || name.isBlank()) {
      throw new InvalidHostNameException("host name is empty");
    }
    if (isPlainLdh(name)) {
      // already an A-label name in lower case: IDN.toASCII would return it as is, and the table shares the string
      String s = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
      checkLdh(s, name);
      return s;
    }
    if (name.indexOf('*') >= 0) {
      throw new InvalidHostNameException("wildcard host names are not supported (exact match only): '" + name + "'");
    }
    rejectDeviations(name);
    String ascii;
    try {
      ascii = IDN.toASCII(name, 0);
    } catch (IllegalArgumentException e) {
      throw new InvalidHostNameException("not a valid IDN host name '" + name + "': " + e.getMessage());
    }
    String s = ascii.toLowerCase(Locale.ROOT);
    if (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    checkLdh(s, name);
    return s;
  }

  /**
   * True when every character is a lower-case letter, digit, '-' or '.', and every label has 1 to
   * {@value #MAX_LABEL} characters (one trailing dot allowed): the names {@link IDN#toASCII(String, int)} leaves
   * unchanged, so skipping it decides nothing differently, errors included.
   */
  private static boolean isPlainLdh(String name) {
    int label = 0;
    int last = name.length() - 1;
    for (int i = 0; i <= last; i++) {
      char c = name.charAt(i);
      if (c == '.') {
        if (label == 0) {
          return false;
        }
        label = 0;
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
        if (++label > MAX_LABEL) {
          return false;
        }
      } else {
        return false;
      }
    }
    return label > 0 || (last > 0 && name.charAt(last) == '.' && name.charAt(last - 1) != '.');
  }

  /**
   * IDNA2003 maps these code points one way and IDNA2008/UTS-46 (nontransitional) another, so a client and the
   * ingress could disagree on the A-label; refusing them beats routing a name to the wrong place.
   */
  private static void rejectDeviations(String name) {
    for (int i = 0; i < name.length(); i++) {
      String what = switch (name.charAt(i)) {
        case '\u00DF' -> "U+00DF LATIN SMALL LETTER SHARP S (\u00DF)";
        case '\u03C2' -> "U+03C2 GREEK SMALL LETTER FINAL SIGMA (\u03C2)";
        case '\u200C' -> "U+200C ZERO WIDTH NON-JOINER";
        case '\u200D' -> "U+200D ZERO WIDTH JOINER";
        default -> null;
      };
      if (what != null) {
        throw new InvalidHostNameException("host name contains " + what
            + ", which IDNA2003 and IDNA2008 map differently; write the intended A-label instead");
      }
    }
  }

  private static void checkLdh(String s, String original) {
    if (s.isEmpty()) {
      throw new InvalidHostNameException("host name is empty: '" + original + "'");
    }
    if (s.length() > MAX_NAME) {
      throw new InvalidHostNameException("host name longer than " + MAX_NAME + " characters: '" + original + "'");
    }
    if (s.indexOf(':') >= 0 || s.indexOf('[') >= 0) {
      throw new InvalidHostNameException("IP literals cannot be route host names: '" + original + "'");
    }
    int start = 0;
    boolean lastLabelNumeric = false;
    while (start <= s.length()) {
      int dot = s.indexOf('.', start);
      int end = dot < 0 ? s.length() : dot;
      lastLabelNumeric = checkLabel(s, start, end, original);
      if (dot < 0) {
        break;
      }
      start = dot + 1;
    }
    // An all-numeric last label is how IPv4 literals (and their odd forms like 127.1) look; no TLD is numeric.
    if (lastLabelNumeric) {
      throw new InvalidHostNameException("IP literals cannot be route host names: '" + original + "'");
    }
  }

  /** Checks one label; returns whether it is all digits. */
  private static boolean checkLabel(String s, int start, int end, String original) {
    int len = end - start;
    if (len == 0) {
      throw new InvalidHostNameException("empty label in host name '" + original + "'");
    }
    if (len > MAX_LABEL) {
      throw new InvalidHostNameException("label longer than " + MAX_LABEL + " characters in '" + original + "'");
    }
    if (s.charAt(start) == '-' || s.charAt(end - 1) == '-') {
      throw new InvalidHostNameException("label starts or ends with '-' in '" + original + "'");
    }
    boolean numeric = true;
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      boolean digit = c >= '0' && c <= '9';
      if (!digit && !(c >= 'a' && c <= 'z') && c != '-') {
        throw new InvalidHostNameException("character '" + c + "' not allowed (letters, digits, '-') in '"
            + original + "'");
      }
      numeric &= digit;
    }
    return numeric;
  }
}
