package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The routing content's digest kept up to date entry by entry: the sum, modulo 2<sup>256</sup>, of the SHA-256 of
 * each entry's canonical bytes (a route, an env IPv4 binding, a route's backend set). A sum does not depend on the
 * order entries were added or removed in, so two nodes holding the same content agree whatever path led them
 * there, and a change costs one digest per entry it touches instead of a pass over the whole table (the
 * whole-state SHA-256 took 0.5 s at 100 000 routes, per change).
 *
 * <p>A mutable accumulator: one per state being built, never shared between threads. {@link #hex(long[])} is
 * the SHA-256 of the sum, lower-case hex: the content hash nodes compare (admin views, cluster versions).
 *
 * <p>Why a sum is good enough: a sum of digests can be steered by whoever chooses very many entries (a generalised
 * birthday search), unlike one digest of everything. The entries come from the control plane, which the ingress
 * trusts with its routes anyway, and cluster values are sealed by the fleet's secret; a node's own "did anything
 * change" decision ({@link ControlPlaneState#sameContent}) compares the maps whenever two digests are equal.
 */
final class ContentDigest {

  private static final byte ROUTE = 'R';
  private static final byte ENV = 'E';
  private static final byte BACKENDS = 'B';
  /** Backend texts remembered at most (the distinct backends of a fleet's groups are far fewer at 100 000 routes). */
  private static final int MAX_BACKEND_TEXTS = 65_536;

  /** Four 64-bit limbs, least significant first. */
  private final long[] sum = new long[4];
  private final MessageDigest sha = sha256();
  /**
   * An entry's canonical bytes, written in place and reused (with the digest's 32 bytes and a backend's text): at
   * 100 000 routes a stream, a copy of its bytes, a digest array and a buffer per entry were about 1 kB of garbage
   * per route at start, most of what the young collections of a start from the state file were spent on.
   */
  private byte[] buffer = new byte[256];
  private int length;
  private final byte[] entryDigest = new byte[32];
  /** The canonical text of the backends seen, each written once (a group's backends recur in every route of it). */
  private final Map<Backend, String> backendTexts = new HashMap<>();
  /** Entry digests computed by this accumulator: the work a change did (tests count it). */
  private long entriesHashed;

  ContentDigest() {}

  /** A copy of {@code limbs} to go on from (a state's digest, to be changed into the next state's). */
  ContentDigest(long[] limbs) {
    System.arraycopy(limbs, 0, sum, 0, 4);
  }

  long[] limbs() {
    return sum.clone();
  }

  long entriesHashed() {
    return entriesHashed;
  }

  void addRoute(CpRoute r) {
    add(routeDigest(r), 1);
  }

  void removeRoute(CpRoute r) {
    add(routeDigest(r), -1);
  }

  void addEnv(EnvBinding b) {
    add(envDigest(b), 1);
  }

  void removeEnv(EnvBinding b) {
    add(envDigest(b), -1);
  }

  void addBackends(String routeId, List<Backend> set) {
    add(backendsDigest(routeId, set), 1);
  }

  void removeBackends(String routeId, List<Backend> set) {
    add(backendsDigest(routeId, set), -1);
  }

  /** The content hash of limbs {@code sum}: SHA-256 of their 32 bytes, lower-case hex. */
  static String hex(long[] sum) {
    ByteBuffer bytes = ByteBuffer.allocate(32);
    for (int i = 3; i >= 0; i--) {
      bytes.putLong(sum[i]);
    }
    return HexFormat.of().formatHex(sha256().digest(bytes.array()));
  }

  // ---- canonical bytes: a tag, then every field in a fixed order, strings length-prefixed (null: -1), numbers
  // big-endian (what a DataOutputStream writes: the bytes, so the hash, are those of every earlier version)

  private byte[] routeDigest(CpRoute r) {
    writeByte(ROUTE);
    text(r.routeId());
    text(r.appId());
    text(r.envId());
    text(r.hostname());
    writeInt(r.listenPort());
    text(r.protocol().configName());
    text(r.processType());
    writeInt(r.backendPort());
    writeByte(r.proxyV2() ? 1 : 0);
    writeByte(r.backendExpectsProxyProtocol() ? 1 : 0);
    writeByte(r.ipv4Required() ? 1 : 0);
    text(r.envIpv4AtCreation());
    writeLong(r.createdEventId());
    return digestBuffer();
  }

  private byte[] envDigest(EnvBinding b) {
    writeByte(ENV);
    text(b.envId());
    text(b.appId());
    text(b.ipv4());
    writeLong(b.enabledEventId());
    return digestBuffer();
  }

  private byte[] backendsDigest(String routeId, List<Backend> set) {
    writeByte(BACKENDS);
    text(routeId);
    writeInt(set.size());
    for (int i = 0; i < set.size(); i++) {
      text(backendText(set.get(i))); // indexed: no iterator per set
    }
    return digestBuffer();
  }

  /** {@link Backend#toString()}, made once per distinct backend (bounded: a change sees a few). */
  private String backendText(Backend b) {
    String text = backendTexts.get(b);
    if (text == null) {
      if (backendTexts.size() >= MAX_BACKEND_TEXTS) {
        backendTexts.clear();
      }
      text = b.toString();
      backendTexts.put(b, text);
    }
    return text;
  }

  /** A string as a length-prefixed UTF-8 run; ASCII (every id, name and address in practice) without a copy. */
  private void text(String s) {
    if (s == null) {
      writeInt(-1);
      return;
    }
    int n = s.length();
    if (!ascii(s, n)) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      writeInt(bytes.length);
      ensure(bytes.length);
      System.arraycopy(bytes, 0, buffer, length, bytes.length);
      length += bytes.length;
      return;
    }
    writeInt(n);
    ensure(n);
    for (int i = 0; i < n; i++) {
      buffer[length++] = (byte) s.charAt(i);
    }
  }

  private static boolean ascii(String s, int n) {
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private void writeByte(int v) {
    ensure(1);
    buffer[length++] = (byte) v;
  }

  private void writeInt(int v) {
    ensure(4);
    for (int shift = 24; shift >= 0; shift -= 8) {
      buffer[length++] = (byte) (v >>> shift);
    }
  }

  private void writeLong(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buffer[length++] = (byte) (v >>> shift);
    }
  }

  private void ensure(int more) {
    if (length + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
    }
  }

  private byte[] digestBuffer() {
    entriesHashed++;
    sha.update(buffer, 0, length);
    length = 0;
    try {
      sha.digest(entryDigest, 0, entryDigest.length);
    } catch (DigestException e) {
      throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
    }
    return entryDigest;
  }

  /** Adds ({@code sign} 1) or subtracts ({@code sign} -1) a 32-byte big-endian digest, modulo 2^256. */
  private void add(byte[] digest, int sign) {
    long carry = 0;
    long negateCarry = 1;
    for (int i = 0; i < 4; i++) {
      long d = bigEndianLong(digest, (3 - i) * 8);
      if (sign < 0) {
        // two's complement over 256 bits, limb by limb, least significant first: ~d plus the carry of the +1
        d = ~d + negateCarry;
        negateCarry = negateCarry == 1 && d == 0 ? 1 : 0;
      }
      long a = sum[i];
      long s = a + d;
      long c1 = Long.compareUnsigned(s, a) < 0 ? 1 : 0;
      long s2 = s + carry;
      long c2 = Long.compareUnsigned(s2, s) < 0 ? 1 : 0;
      sum[i] = s2;
      carry = c1 + c2;
    }
  }

  private static long bigEndianLong(byte[] b, int from) {
    long v = 0;
    for (int i = from; i < from + 8; i++) {
      v = (v << 8) | (b[i] & 0xffL);
    }
    return v;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
    }
  }
}
