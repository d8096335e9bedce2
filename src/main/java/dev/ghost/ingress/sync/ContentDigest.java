package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

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

  /** Four 64-bit limbs, least significant first. */
  private final long[] sum = new long[4];
  private final MessageDigest sha = sha256();
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
  private final DataOutputStream out = new DataOutputStream(buffer);
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

  // ---- canonical bytes: a tag, then every field in a fixed order, strings length-prefixed (null: -1)

  private byte[] routeDigest(CpRoute r) {
    try {
      out.writeByte(ROUTE);
      text(r.routeId());
      text(r.appId());
      text(r.envId());
      text(r.hostname());
      out.writeInt(r.listenPort());
      text(r.protocol().configName());
      text(r.processType());
      out.writeInt(r.backendPort());
      out.writeBoolean(r.proxyV2());
      out.writeBoolean(r.backendExpectsProxyProtocol());
      out.writeBoolean(r.ipv4Required());
      text(r.envIpv4AtCreation());
      out.writeLong(r.createdEventId());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return digestBuffer();
  }

  private byte[] envDigest(EnvBinding b) {
    try {
      out.writeByte(ENV);
      text(b.envId());
      text(b.appId());
      text(b.ipv4());
      out.writeLong(b.enabledEventId());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return digestBuffer();
  }

  private byte[] backendsDigest(String routeId, List<Backend> set) {
    try {
      out.writeByte(BACKENDS);
      text(routeId);
      out.writeInt(set.size());
      for (Backend b : set) {
        text(b.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return digestBuffer();
  }

  private void text(String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private byte[] digestBuffer() {
    entriesHashed++;
    byte[] d = sha.digest(buffer.toByteArray());
    buffer.reset();
    return d;
  }

  /** Adds ({@code sign} 1) or subtracts ({@code sign} -1) a 32-byte digest, modulo 2^256. */
  private void add(byte[] digest, int sign) {
    ByteBuffer b = ByteBuffer.wrap(digest);
    long[] d = new long[4];
    for (int i = 3; i >= 0; i--) {
      d[i] = b.getLong();
    }
    if (sign < 0) {
      negate(d);
    }
    long carry = 0;
    for (int i = 0; i < 4; i++) {
      long a = sum[i];
      long s = a + d[i];
      long c1 = Long.compareUnsigned(s, a) < 0 ? 1 : 0;
      long s2 = s + carry;
      long c2 = Long.compareUnsigned(s2, s) < 0 ? 1 : 0;
      sum[i] = s2;
      carry = c1 + c2;
    }
  }

  /** Two's complement over 256 bits. */
  private static void negate(long[] d) {
    long carry = 1;
    for (int i = 0; i < 4; i++) {
      long inv = ~d[i];
      long s = inv + carry;
      carry = (carry == 1 && s == 0) ? 1 : 0;
      d[i] = s;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
    }
  }
}
