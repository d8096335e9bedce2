package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The content digest: the same sums as the canonical bytes written with a {@link DataOutputStream} (the form every
 * earlier version hashed, so nodes of two versions agree on a content hash), and written without garbage per entry
 * (at 100 000 routes about 1 kB per route of it was most of what a start from the state file collected).
 */
class ContentDigestTest {

  private static final BigInteger MOD = BigInteger.ONE.shiftLeft(256);

  @Test
  void theSumIsThatOfTheCanonicalBytesAsADataOutputStreamWritesThem() throws Exception {
    ControlPlaneState sample = StateFileTest.sample();
    List<CpRoute> routes = new ArrayList<>(sample.routes().values());
    routes.add(new CpRoute("rt_ü", "app_1", "env_1", "bücher.example", 443, Protocol.TLS_PASSTHROUGH, "web", 8443,
        true, true, false, null, 7));
    ControlPlaneState scale = ScaleStateFile.state(300, 9443);
    routes.addAll(scale.routes().values());
    Map<String, List<Backend>> backends = new java.util.TreeMap<>(scale.backends());
    backends.putAll(sample.backends());
    backends.put("rt_ü", List.of(new Backend("fd00::ü", 1), new Backend("backend.example", 65535)));
    List<EnvBinding> envs = new ArrayList<>(sample.envBindings().values());
    envs.add(new EnvBinding("env_ü", null, "203.0.113.9", 3));

    ContentDigest digest = new ContentDigest();
    BigInteger expected = BigInteger.ZERO;
    for (CpRoute r : routes) {
      digest.addRoute(r);
      expected = expected.add(reference(r));
    }
    for (Map.Entry<String, List<Backend>> e : backends.entrySet()) {
      digest.addBackends(e.getKey(), e.getValue());
      expected = expected.add(reference(e.getKey(), e.getValue()));
    }
    for (EnvBinding b : envs) {
      digest.addEnv(b);
      expected = expected.add(reference(b));
    }
    assertThat(value(digest.limbs())).isEqualTo(expected.mod(MOD));

    for (int i = 0; i < routes.size(); i += 2) {
      digest.removeRoute(routes.get(i));
      expected = expected.subtract(reference(routes.get(i)));
    }
    envs.forEach(digest::removeEnv);
    for (EnvBinding b : envs) {
      expected = expected.subtract(reference(b));
    }
    assertThat(value(digest.limbs())).isEqualTo(expected.mod(MOD));
    assertThat(digest.entriesHashed()).isEqualTo(2L * routes.size() + backends.size() + 2L * envs.size()
        - routes.size() / 2);
  }

  @Test
  void anEntryIsHashedWithoutGarbage() {
    assumeTrue(allocatedBytes() >= 0, "the JVM does not count allocations per thread");
    ControlPlaneState state = ScaleStateFile.state(20_000, 9443);
    ContentDigest digest = new ContentDigest();
    state.routes().values().forEach(digest::addRoute); // the first pass: classes loaded, backend texts made
    state.backends().forEach(digest::addBackends);
    List<CpRoute> routes = List.copyOf(state.routes().values());
    List<Map.Entry<String, List<Backend>>> sets = List.copyOf(state.backends().entrySet());
    long before = allocatedBytes();
    for (int i = 0; i < routes.size(); i++) {
      digest.removeRoute(routes.get(i));
      Map.Entry<String, List<Backend>> e = sets.get(i);
      digest.removeBackends(e.getKey(), e.getValue());
    }
    long perRoute = (allocatedBytes() - before) / routes.size();
    // a stream, a copy of its bytes, the digest's array and a backend's text per entry were about 950 B a route
    assertThat(perRoute).as("bytes allocated per route (its entry and its backend set)").isLessThan(16);
    assertThat(value(digest.limbs())).isEqualTo(BigInteger.ZERO);
  }

  // ---- the canonical bytes as every earlier version wrote them: a DataOutputStream, then one SHA-256 each

  private static BigInteger reference(CpRoute r) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('R');
    text(out, r.routeId());
    text(out, r.appId());
    text(out, r.envId());
    text(out, r.hostname());
    out.writeInt(r.listenPort());
    text(out, r.protocol().configName());
    text(out, r.processType());
    out.writeInt(r.backendPort());
    out.writeBoolean(r.proxyV2());
    out.writeBoolean(r.backendExpectsProxyProtocol());
    out.writeBoolean(r.ipv4Required());
    text(out, r.envIpv4AtCreation());
    out.writeLong(r.createdEventId());
    return sha(bytes.toByteArray());
  }

  private static BigInteger reference(String routeId, List<Backend> set) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('B');
    text(out, routeId);
    out.writeInt(set.size());
    for (Backend b : set) {
      text(out, b.toString());
    }
    return sha(bytes.toByteArray());
  }

  private static BigInteger reference(EnvBinding b) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('E');
    text(out, b.envId());
    text(out, b.appId());
    text(out, b.ipv4());
    out.writeLong(b.enabledEventId());
    return sha(bytes.toByteArray());
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static BigInteger sha(byte[] bytes) {
    try {
      return new BigInteger(1, MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The limbs (least significant first) as one number. */
  private static BigInteger value(long[] limbs) {
    BigInteger v = BigInteger.ZERO;
    for (int i = 3; i >= 0; i--) {
      v = v.shiftLeft(64).add(new BigInteger(Long.toUnsignedString(limbs[i])));
    }
    return v;
  }

  private static long allocatedBytes() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
      return t.getCurrentThreadAllocatedBytes();
    }
    return -1;
  }
}
