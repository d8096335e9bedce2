package dev.ghost.ingress.devcp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;

/** {@code <prefix>_<ULID>} identifiers: time-ordered random ones, and stable ones derived from a name. */
final class Ids {

  private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /** A fresh ULID-style id: 48-bit millisecond time, then 80 random bits. */
  static String random(String prefix, Instant at) {
    byte[] bytes = new byte[16];
    long ms = at.toEpochMilli();
    for (int i = 0; i < 6; i++) {
      bytes[i] = (byte) (ms >>> (8 * (5 - i)));
    }
    byte[] rnd = new byte[10];
    RANDOM.nextBytes(rnd);
    System.arraycopy(rnd, 0, bytes, 6, 10);
    return prefix + "_" + encode(bytes);
  }

  /** The same id for the same name, so that e.g. an IPv4 allocation keeps its id from enable to disable. */
  static String stable(String prefix, String name) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      byte[] bytes = new byte[16];
      System.arraycopy(digest, 0, bytes, 0, 16);
      bytes[0] &= 0x7f; // keep the first character within the ULID range
      return prefix + "_" + encode(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** 128 bits as 26 Crockford base32 characters (the first carries 3 bits). */
  private static String encode(byte[] bytes) {
    java.math.BigInteger n = new java.math.BigInteger(1, bytes);
    char[] out = new char[26];
    for (int i = 25; i >= 0; i--) {
      out[i] = CROCKFORD[n.intValue() & 31];
      n = n.shiftRight(5);
    }
    return new String(out);
  }
}
