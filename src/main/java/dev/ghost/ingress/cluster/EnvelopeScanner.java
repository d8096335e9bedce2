package dev.ghost.ingress.cluster;

/**
 * Reads a sealed envelope ({@code {"v":1,"from":…,"body":"…","mac":…}}) in one pass over its text, unescaping the
 * body straight into UTF-8 bytes, for {@link BaseEnvelope#open}. It reads only a plain envelope (string, number,
 * {@code true}/{@code false}/{@code null} fields; valid escapes, no lone surrogate, no long number): for anything
 * else it answers null, and the caller takes the generic path ({@link ClusterTrust#unseal}), so the two never
 * differ in what they accept.
 */
final class EnvelopeScanner {

  /** The fields of a plain envelope: {@code from} and {@code mac} strings or null, the body as UTF-8 bytes. */
  record Scanned(String from, Utf8Text body, String mac) {}

  /** Longest number scanned here (the envelope's only number is {@code "v":1}). */
  private static final int MAX_PLAIN_NUMBER = 32;
  private final String s;
  private int i;

  private EnvelopeScanner(String s) {
    this.s = s;
  }

  /**
   * The fields of {@code sealed}; null (take the generic path) for anything but a plain envelope whose body is a
   * string and whose {@code from} and {@code mac} are strings or null.
   */
  static Scanned scan(String sealed) {
    try {
      return new EnvelopeScanner(sealed).envelope();
    } catch (NotPlain | IndexOutOfBoundsException e) {
      return null;
    }
  }

  private Scanned envelope() {
    ws();
    expect('{');
    String from = null;
    String mac = null;
    Utf8Text body = null;
    boolean bodyIsString = false;
    ws();
    if (s.charAt(i) == '}') {
      throw NotPlain.INSTANCE;
    }
    while (true) {
      ws();
      String name = name();
      ws();
      expect(':');
      ws();
      switch (name) {
        case "body" -> {
          bodyIsString = s.charAt(i) == '"';
          body = bodyIsString ? bytes(s.length() - i) : null;
          if (!bodyIsString) {
            skipScalar();
          }
        }
        case "from" -> from = textOrNull();
        case "mac" -> mac = textOrNull();
        default -> skipValue();
      }
      ws();
      char c = s.charAt(i++);
      if (c == '}') {
        break;
      }
      if (c != ',') {
        throw NotPlain.INSTANCE;
      }
    }
    ws();
    if (i != s.length() || !bodyIsString) {
      throw NotPlain.INSTANCE;
    }
    return new Scanned(from, body, mac);
  }

  private void ws() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      i++;
    }
  }

  private void expect(char c) {
    if (s.charAt(i++) != c) {
      throw NotPlain.INSTANCE;
    }
  }

  /** A field name without escapes. */
  private String name() {
    expect('"');
    int start = i;
    while (true) {
      char c = s.charAt(i);
      if (c == '"') {
        return s.substring(start, i++);
      }
      if (c == '\\' || c < 0x20) {
        throw NotPlain.INSTANCE;
      }
      i++;
    }
  }

  private String textOrNull() {
    if (s.charAt(i) == '"') {
      return bytes(16).text();
    }
    if (s.startsWith("null", i)) {
      i += 4;
      return null;
    }
    throw NotPlain.INSTANCE; // not a string: the generic path refuses it as malformed
  }

  private void skipValue() {
    if (s.charAt(i) == '"') {
      bytes(16);
    } else {
      skipScalar();
    }
  }

  /** A number, {@code true}, {@code false} or {@code null}; anything else is not plain. */
  private void skipScalar() {
    for (String literal : new String[] {"true", "false", "null"}) {
      if (s.startsWith(literal, i)) {
        i += literal.length();
        return;
      }
    }
    number();
  }

  /**
   * {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}, as JSON has it; a long one is left to the generic
   * path, whose parser limits the length of numbers.
   */
  private void number() {
    int start = i;
    if (s.charAt(i) == '-') {
      i++;
    }
    if (s.charAt(i) == '0') {
      i++;
    } else {
      digits();
    }
    if (s.charAt(i) == '.') {
      i++;
      digits();
    }
    if (s.charAt(i) == 'e' || s.charAt(i) == 'E') {
      i++;
      if (s.charAt(i) == '+' || s.charAt(i) == '-') {
        i++;
      }
      digits();
    }
    if (i - start > MAX_PLAIN_NUMBER) {
      throw NotPlain.INSTANCE;
    }
  }

  private void digits() {
    int start = i;
    while (s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    if (i == start) {
      throw NotPlain.INSTANCE;
    }
  }

  /**
   * The JSON string at {@code i}, unescaped into UTF-8 bytes (as {@code String.getBytes(UTF_8)} would give);
   * {@code capacity}: the first size of the buffer (the body's is the rest of the value, which it fills unless
   * it is mostly beyond ASCII).
   */
  private Utf8Text bytes(int capacity) {
    expect('"');
    byte[] out = new byte[Math.max(16, capacity)];
    int n = 0;
    while (true) {
      if (n + 4 > out.length) {
        out = java.util.Arrays.copyOf(out, out.length * 2);
      }
      char c = s.charAt(i++);
      if (c == '"') {
        return new Utf8Text(out, n);
      }
      if (c == '\\') {
        c = unescaped();
      } else if (c < 0x20) {
        throw NotPlain.INSTANCE; // JSON forbids it unescaped: the generic path refuses the value
      }
      if (c < 0x80) {
        out[n++] = (byte) c;
      } else if (c < 0x800) {
        out[n++] = (byte) (0xc0 | c >> 6);
        out[n++] = (byte) (0x80 | c & 0x3f);
      } else if (Character.isSurrogate(c)) {
        n = pair(c, out, n);
      } else {
        out[n++] = (byte) (0xe0 | c >> 12);
        out[n++] = (byte) (0x80 | c >> 6 & 0x3f);
        out[n++] = (byte) (0x80 | c & 0x3f);
      }
    }
  }

  /** A high surrogate {@code hi} and the low one that must follow it, as four UTF-8 bytes. */
  private int pair(char hi, byte[] out, int n) {
    if (!Character.isHighSurrogate(hi)) {
      throw NotPlain.INSTANCE; // a lone surrogate: String.getBytes would write '?'; leave it to the generic path
    }
    char lo = s.charAt(i++);
    if (lo == '\\') {
      lo = unescaped();
    }
    if (!Character.isLowSurrogate(lo)) {
      throw NotPlain.INSTANCE;
    }
    int cp = Character.toCodePoint(hi, lo);
    out[n++] = (byte) (0xf0 | cp >> 18);
    out[n++] = (byte) (0x80 | cp >> 12 & 0x3f);
    out[n++] = (byte) (0x80 | cp >> 6 & 0x3f);
    out[n++] = (byte) (0x80 | cp & 0x3f);
    return n;
  }

  /** The character an escape after its backslash stands for. */
  private char unescaped() {
    char e = s.charAt(i++);
    return switch (e) {
      case '"', '\\', '/' -> e;
      case 'b' -> '\b';
      case 'f' -> '\f';
      case 'n' -> '\n';
      case 'r' -> '\r';
      case 't' -> '\t';
      case 'u' -> {
        int v = 0;
        for (int k = 0; k < 4; k++) {
          char h = s.charAt(i++);
          int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
          if (d < 0) {
            throw NotPlain.INSTANCE;
          }
          v = v << 4 | d;
        }
        yield (char) v;
      }
      default -> throw NotPlain.INSTANCE;
    };
  }

  /** Not a plain envelope: the generic path decides. Preallocated: thrown only to leave the scan. */
  private static final class NotPlain extends RuntimeException {
    static final NotPlain INSTANCE = new NotPlain();

    private NotPlain() {
      super(null, null, false, false);
    }
  }
}
