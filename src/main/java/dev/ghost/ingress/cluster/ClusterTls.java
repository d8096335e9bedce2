package dev.ghost.ingress.cluster;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * Mutual TLS for the clustered event bus with certificates derived from the cluster secret, using only the JDK.
 *
 * <p>Every node derives the same certificate authority from the secret: an EC P-256 private key (a scalar taken
 * from an HMAC of the secret's TLS key) and its public key, and a self-signed CA certificate ({@code
 * CN=ghost-cluster-ca}) that is the one trust anchor of both ends. At start each node makes a fresh key pair and a
 * certificate for it ({@code CN=ghost-cluster-node}) signed by that CA. Both ends of every event-bus connection
 * present theirs ({@link ClientAuth#REQUIRED}) and the JDK's standard PKIX checks accept exactly the certificates
 * some holder of the secret signed: a peer with another secret, or none, fails the handshake. No files, nothing to
 * distribute or rotate but the secret; host names are not checked (identity is the secret, not the address).
 *
 * <p>Why derived rather than a custom trust manager: Vert.x copies the event-bus options through JSON, which keeps
 * PEM values but drops wrapped key or trust managers. A handshake failure is therefore Vert.x's (the connection
 * fails, the message is lost); it cannot be counted here.
 */
final class ClusterTls {

  static final String CA_NAME = "ghost-cluster-ca";
  static final String NODE_NAME = "ghost-cluster-node";
  /** The JDK's PKCS#12 key-protection rounds (system or security property; JDK 12 and newer). */
  static final String KEY_PBE_ITERATIONS = "keystore.pkcs12.keyPbeIterationCount";
  private static final Base64.Encoder PEM = Base64.getMimeEncoder(64, new byte[] {'\n'});

  private ClusterTls() {}

  /**
   * Initialises Netty's JDK server TLS context class on the calling thread. Its static initialiser probes the JDK
   * with a password-protected PKCS#12 key store (key derivation in code not yet compiled): 1-2 s of CPU measured
   * here, which otherwise lands on the event loop that accepts the first event-bus connection, a stall at every
   * clustered start.
   */
  static void initServerContextClass() {
    cheapInMemoryKeyStores();
    try {
      Class.forName("io.netty.handler.ssl.JdkSslServerContext", true, ClusterTls.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      // not fatal: the first event-bus connection initialises it, or fails with the real cause
    }
  }

  /**
   * The PKCS#12 key stores of the event bus's TLS live in memory only (Netty's probe above, Vert.x's store of the
   * PEM key) and their passwords are constants in those libraries, so the JDK's default key protection, 10 000
   * PBKDF2 rounds per key stored and per key read, protects nothing there; it cost every clustered start ≈ 0.45 s of
   * CPU, most of it C2 compiling the round loop (measured in a fresh JVM: 1.36–1.44 s of process CPU for Netty's
   * probe, 0.91–0.99 s with one round), while the fleet's JVMs start together on the same cores. One round, unless
   * the operator set the property; this process writes no key store.
   */
  static void cheapInMemoryKeyStores() {
    if (System.getProperty(KEY_PBE_ITERATIONS) == null && Security.getProperty(KEY_PBE_ITERATIONS) == null) {
      System.setProperty(KEY_PBE_ITERATIONS, "1");
    }
  }

  /** {@code options} with TLS, client authentication required, this node's certificate and the derived CA. */
  static EventBusOptions secure(EventBusOptions options, ClusterTrust trust) {
    if (!trust.secured()) {
      throw new IllegalStateException("TLS needs the cluster secret");
    }
    cheapInMemoryKeyStores();
    Material m = material(trust.tlsKey());
    return options.setSsl(true).setClientAuth(ClientAuth.REQUIRED)
        .setKeyCertOptions(new PemKeyCertOptions().addKeyValue(Buffer.buffer(m.keyPem()))
            .addCertValue(Buffer.buffer(m.certPem())))
        .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(m.caPem())));
  }

  /** PEM texts: this node's private key (PKCS#8), its certificate chain (node, CA), and the CA alone. */
  record Material(String keyPem, String certPem, String caPem) {}

  /** A fresh node key and certificate under the CA derived from {@code tlsKey}. */
  static Material material(byte[] tlsKey) {
    try {
      KeyPair ca = derivedCa(tlsKey);
      // same subject, key and validity on every node: any node's CA certificate anchors any other's
      X509Certificate caCert = certificate(ca.getPublic(), CA_NAME, CA_NAME, ca.getPrivate(), true,
          ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair node = gen.generateKeyPair();
      X509Certificate nodeCert = certificate(node.getPublic(), NODE_NAME, CA_NAME, ca.getPrivate(), false,
          ZonedDateTime.now(ZoneOffset.UTC).minusDays(1)); // a peer's clock a little behind
      return new Material(pem("PRIVATE KEY", node.getPrivate().getEncoded()),
          pem("CERTIFICATE", nodeCert.getEncoded()) + pem("CERTIFICATE", caCert.getEncoded()),
          pem("CERTIFICATE", caCert.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the event-bus certificates: " + e.getMessage(), e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + PEM.encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  /** The CA key pair every holder of the secret derives alike: d from an HMAC, Q = d·G. */
  static KeyPair derivedCa(byte[] tlsKey) throws GeneralSecurityException {
    AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
    params.init(new ECGenParameterSpec("secp256r1"));
    ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
    BigInteger n = spec.getOrder();
    byte[] seed = ClusterTrust.hmac(tlsKey, "ghost-cluster/ca/1".getBytes(StandardCharsets.US_ASCII));
    // 256 bits reduced into [1, n-1]: the bias (n is within 2^-32 of 2^256) is negligible
    BigInteger d = new BigInteger(1, seed).mod(n.subtract(BigInteger.ONE)).add(BigInteger.ONE);
    ECPoint q = multiply(spec.getGenerator(), d, spec);
    KeyFactory kf = KeyFactory.getInstance("EC");
    return new KeyPair(kf.generatePublic(new ECPublicKeySpec(q, spec)),
        kf.generatePrivate(new ECPrivateKeySpec(d, spec)));
  }

  /**
   * k·P on the curve of {@code spec}, affine double-and-add. Not constant-time: it runs once at start, on this
   * node's own secret, with nothing observing it.
   */
  static ECPoint multiply(ECPoint point, BigInteger k, ECParameterSpec spec) {
    BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
    BigInteger a = spec.getCurve().getA();
    ECPoint result = ECPoint.POINT_INFINITY;
    ECPoint addend = point;
    for (int i = 0; i < k.bitLength(); i++) {
      if (k.testBit(i)) {
        result = add(result, addend, p, a);
      }
      addend = add(addend, addend, p, a);
    }
    return result;
  }

  private static ECPoint add(ECPoint s, ECPoint t, BigInteger p, BigInteger a) {
    if (s.equals(ECPoint.POINT_INFINITY)) {
      return t;
    }
    if (t.equals(ECPoint.POINT_INFINITY)) {
      return s;
    }
    BigInteger lambda;
    if (s.getAffineX().equals(t.getAffineX())) {
      if (s.getAffineY().add(t.getAffineY()).mod(p).signum() == 0) {
        return ECPoint.POINT_INFINITY;
      }
      BigInteger x = s.getAffineX();
      lambda = x.multiply(x).multiply(BigInteger.valueOf(3)).add(a)
          .multiply(s.getAffineY().shiftLeft(1).modInverse(p)).mod(p);
    } else {
      lambda = t.getAffineY().subtract(s.getAffineY())
          .multiply(t.getAffineX().subtract(s.getAffineX()).modInverse(p)).mod(p);
    }
    BigInteger x3 = lambda.multiply(lambda).subtract(s.getAffineX()).subtract(t.getAffineX()).mod(p);
    BigInteger y3 = lambda.multiply(s.getAffineX().subtract(x3)).subtract(s.getAffineY()).mod(p);
    return new ECPoint(x3, y3);
  }

  // ---- a minimal DER writer for one self-signed X.509 v3 certificate (the JDK has no public API to make one)

  private static final byte[] ECDSA_SHA256 = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03,
      0x02};
  private static final byte[] COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};

  private static final byte[] BASIC_CONSTRAINTS = {0x06, 0x03, 0x55, 0x1d, 0x13};

  /** An X.509 v3 certificate for {@code subjectKey}, signed by {@code issuerKey}; a CA gets basicConstraints. */
  static X509Certificate certificate(PublicKey subjectKey, String subject, String issuer, PrivateKey issuerKey,
      boolean ca, ZonedDateTime from) throws GeneralSecurityException {
    byte[] algorithm = der(0x30, ECDSA_SHA256);
    byte[] serial = ca ? new byte[] {0x01} : new byte[16];
    if (!ca) {
      new SecureRandom().nextBytes(serial);
      serial[0] &= 0x7f; // a positive INTEGER
      serial[0] |= 0x40; // and no leading zero byte to strip
    }
    byte[] notBefore = der(0x17, from.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'"))
        .getBytes(StandardCharsets.US_ASCII));
    byte[] notAfter = der(0x18, "99991231235959Z".getBytes(StandardCharsets.US_ASCII)); // RFC 5280: no expiry
    byte[] extensions = ca
        // [3] { SEQUENCE { basicConstraints, critical, OCTET STRING { SEQUENCE { cA TRUE } } } }
        ? der(0xa3, der(0x30, der(0x30, BASIC_CONSTRAINTS, new byte[] {0x01, 0x01, (byte) 0xff},
            der(0x04, der(0x30, new byte[] {0x01, 0x01, (byte) 0xff})))))
        : new byte[0];
    byte[] tbs = der(0x30,
        der(0xa0, der(0x02, new byte[] {2})), // version v3
        der(0x02, serial),
        algorithm,
        name(issuer),
        der(0x30, notBefore, notAfter),
        name(subject),
        subjectKey.getEncoded(),
        extensions);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(issuerKey);
    signer.update(tbs);
    byte[] signature = signer.sign();
    byte[] bits = new byte[signature.length + 1]; // BIT STRING: no unused bits
    System.arraycopy(signature, 0, bits, 1, signature.length);
    byte[] cert = der(0x30, tbs, algorithm, der(0x03, bits));
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(cert));
  }

  private static byte[] name(String commonName) {
    return der(0x30, der(0x31, der(0x30, COMMON_NAME, der(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
  }

  private static byte[] der(int tag, byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      content.writeBytes(p);
    }
    int n = content.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n & 0xff);
    }
    out.writeBytes(content.toByteArray());
    return out.toByteArray();
  }
}
