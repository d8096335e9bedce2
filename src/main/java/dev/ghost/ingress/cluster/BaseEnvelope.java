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
 * for a plain envelope ({@link EnvelopeScanner}); anything else goes through {@link ClusterTrust#unseal}, so what
 * is accepted, and why a value is refused, never differ from the generic path.
 */
final class BaseEnvelope {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** What {@link #open} found: the body when it may be acted on, else why not (and the sender it claims). */
  record Opened(Utf8Text body, TrustRefusal refusal, String from) {}

  private BaseEnvelope() {}

  /**
   * {@code body} sealed for {@code key} on {@code channel} by {@code from}: the text {@link ClusterTrust#seal} writes.
   */
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
    EnvelopeScanner.Scanned s = EnvelopeScanner.scan(sealed);
    if (s == null) {
      ClusterTrust.Opened slow = trust.unseal(channel, key, sealed);
      return new Opened(slow.body() == null ? null : Utf8Text.of(slow.body()), slow.refusal(), slow.from());
    }
    TrustRefusal refusal = trust.verify(channel, key, s.from(), s.body().bytes(), s.body().length(), s.mac());
    return refusal == null ? new Opened(s.body(), null, s.from()) : new Opened(null, refusal, s.from());
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
}
