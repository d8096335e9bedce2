package dev.ghost.ingress.cluster;

import java.nio.charset.StandardCharsets;

/**
 * Seals and opens a value whose body is large (the base snapshot: 44.5 MB of state at 100 000 routes) in the very
 * envelope {@link ClusterTrust#seal} writes and {@link ClusterTrust#unseal} reads,
 * {@code {"v":1,"from":…,"body":"<the body as a JSON string>","mac":…}}, without the copies the generic path makes:
 * it turned the body into a {@code String}, escaped it through a char buffer, made the MAC's canonical bytes
 * from it, and on the way back copied the envelope into a char buffer, unescaped the body into another, made a
 * {@code String} of that and its UTF-8 bytes for the MAC again (over 300 MB of short-lived arrays per base read at
 * 100 000 routes, each large enough to go straight to the old generation and set off full collections).
 *
 * <p>Here the body stays UTF-8 bytes: sealing MACs them as they are and escapes them once into the envelope's
 * bytes; opening unescapes the body straight into UTF-8 bytes in one pass over the value and MACs those. The
 * format is unchanged, so nodes of either version read what the other writes. Opening takes this fast path only
 * for a plain envelope (string, number, {@code true}/{@code false}/{@code null} fields; valid escapes, no lone
 * surrogate); anything else goes through {@link ClusterTrust#unseal}, so what is accepted, and why a value is
 * refused, never differ from the generic path.
 */
final class BaseEnvelope {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** What {@link #open} found: the body when it may be acted on, else why not (and the sender it claims). */
  record Opened(Utf8Text body, TrustRefusal refusal, String from) {}

  private BaseEnvelope() {}

  /** {@code body} sealed for {@code key} on {@code channel} by {@code from}: the text {@link ClusterTrust#seal} writes. */
  static String seal(ClusterTrust trust, TrustChannel channel, String key, String from, Utf8Text body) {
    String mac = trust.mac(channel, key, from, body.bytes(), body.length());
    Out out = new Out(body.length() + body.length() / 3 + 256);
    out.put("{\"v\":1,\"from\":\"");
    byte[] fromBytes = from.getBytes(StandardCharsets.UTF_8);
    out.escape(fromBytes, fromBytes.length);
    out.put("\",\"body\":\"");
    out.escape(body.bytes(), body.length());
    out.put(mac == null ? "\"}" : "\",\"mac\":\"" + mac + "\"}");
    return new String(out.bytes, 0, out.n, StandardCharsets.UTF_8);
  }

  /**
   * The verified body of {@code sealed} as UTF-8 bytes, or why it is refused; absent ({@code sealed} null): all
   * null. Accepts and refuses exactly what {@link ClusterTrust#unseal} does.
   */
  static Opened open(ClusterTrust trust, TrustChannel channel, String key, String sealed) {
    if (sealed == null) {
      return new Opened(null, null, null);
    }
    Scanned s = Scanner.scan(sealed);
    if (s == null) {
      ClusterTrust.Opened slow = trust.unseal(channel, key, sealed);
      return new Opened(slow.body() == null ? null : Utf8Text.of(slow.body()), slow.refusal(), slow.from());
    }
    TrustRefusal refusal = trust.verify(channel, key, s.from, s.body.bytes(), s.body.length(), s.mac);
    return refusal == null ? new Opened(s.body, null, s.from) : new Opened(null, refusal, s.from);
  }

  // ---- sealing

  /**
   * The envelope's bytes as they are written: one pass over the body, its runs that need no escape copied whole.
   * The buffer starts at the body's length and a third (a state's JSON grows by about a quarter when escaped,
   * every quote doubled: 44.5 MB to 55 MB at 100 000 routes) and grows by half when that is not enough.
   */
  private static final class Out {
    byte[] bytes;
    int n;

    Out(int capacity) {
      bytes = new byte[capacity];
    }

    void put(String ascii) {
      room(ascii.length());
      for (int i = 0; i < ascii.length(); i++) {
        bytes[n++] = (byte) ascii.charAt(i);
      }
    }

    /**
     * Appends {@code b[0..length)} (UTF-8) as the inside of a JSON string: quote and backslash escaped, control
     * characters as a six-character escape, everything else as it is (JSON allows UTF-8).
     */
    void escape(byte[] b, int length) {
      int run = 0;
      for (int i = 0; i < length; i++) {
        byte c = b[i];
        if (c == '"' || c == '\\' || (c >= 0 && c < 0x20)) {
          copy(b, run, i);
          run = i + 1;
          room(6);
          bytes[n++] = '\\';
          if (c == '"' || c == '\\') {
            bytes[n++] = c;
          } else {
            bytes[n++] = 'u';
            bytes[n++] = '0';
            bytes[n++] = '0';
            bytes[n++] = HEX[c >> 4];
            bytes[n++] = HEX[c & 0xf];
          }
        }
      }
      copy(b, run, length);
    }

    private void copy(byte[] b, int from, int to) {
      room(to - from);
      System.arraycopy(b, from, bytes, n, to - from);
      n += to - from;
    }

    private void room(int more) {
      if (n + more > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(n + more, bytes.length + bytes.length / 2));
      }
    }
  }

  // ---- opening

  /** The fields of a plain envelope: {@code from} and {@code mac} strings or null, the body as UTF-8 bytes. */
  private record Scanned(String from, Utf8Text body, String mac) {}

  /**
   * One pass over an envelope's text. Returns null (the caller takes the generic path) for anything but a plain
   * envelope whose body is a string and whose {@code from} and {@code mac} are strings or null.
   */
  private static final class Scanner {
    /** Longest number scanned here (the envelope's only number is {@code "v":1}). */
    private static final int MAX_PLAIN_NUMBER = 32;
    private final String s;
    private int i;

    private Scanner(String s) {
      this.s = s;
    }

    static Scanned scan(String sealed) {
      try {
        return new Scanner(sealed).envelope();
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
  }

  /** Not a plain envelope: the generic path decides. Preallocated: thrown only to leave the scan. */
  private static final class NotPlain extends RuntimeException {
    static final NotPlain INSTANCE = new NotPlain();

    private NotPlain() {
      super(null, null, false, false);
    }
  }
}
