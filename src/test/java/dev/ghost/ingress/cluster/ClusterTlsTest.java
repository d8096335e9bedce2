package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The event bus's mutual TLS over real loopback sockets, with the options passed through JSON exactly as Vert.x's
 * clustered event bus does: two nodes with the same secret talk; a peer with another secret, or without a
 * certificate, fails the handshake either way round.
 */
class ClusterTlsTest {

  static final ClusterTrust NODE_A = ClusterTrustTest.trust(ClusterTrustTest.SECRET);
  static final ClusterTrust ROGUE = ClusterTrustTest.trust(ClusterTrustTest.SECRET.replace('f', 'e'));

  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /** As ClusteredEventBus makes its server: {@code new NetServerOptions(eventBusOptions.toJson())}. */
  NetServer echo(ClusterTrust trust) {
    EventBusOptions bus = ClusterTls.secure(new EventBusOptions(), trust);
    return vertx.createNetServer(new NetServerOptions(bus.toJson()).setHost("127.0.0.1").setPort(0))
        .connectHandler(s -> s.handler(s::write)).listen().await();
  }

  /** As ClusteredEventBus makes its client: from the JSON, no host-name verification. */
  static NetClientOptions client(ClusterTrust trust) {
    return new NetClientOptions(ClusterTls.secure(new EventBusOptions(), trust).toJson())
        .setHostnameVerificationAlgorithm("");
  }

  String roundTrip(NetServer server, NetClientOptions options) throws Exception {
    // held until the end: Vert.x closes a client that is no longer referenced, and its connections with it
    NetClient client = vertx.createNetClient(options.setConnectTimeout(5_000));
    try {
      NetSocket s = client.connect(server.actualPort(), "127.0.0.1").await();
      CompletableFuture<String> got = new CompletableFuture<>();
      s.handler(b -> got.complete(b.toString(StandardCharsets.UTF_8)));
      s.closeHandler(v -> got.completeExceptionally(new IllegalStateException("closed")));
      s.write(Buffer.buffer("ping")).await();
      return got.get(10, TimeUnit.SECONDS);
    } finally {
      client.close().await();
    }
  }

  @Test
  void nodesWithTheSameSecretTalk() throws Exception {
    ClusterTrust nodeB = ClusterTrustTest.trust(ClusterTrustTest.SECRET); // another node: its own key pair
    assertThat(roundTrip(echo(NODE_A), client(nodeB))).isEqualTo("ping");
  }

  @Test
  void aPeerWithAnotherSecretOrNoCertificateFailsTheHandshake() {
    NetServer legit = echo(NODE_A);
    assertThat(catchThrowable(() -> roundTrip(legit, client(ROGUE)))).isNotNull();
    // a rogue that trusts any server still shows a certificate no legit node accepts
    NetClientOptions trustsAll = client(ROGUE).setTrustAll(true);
    trustsAll.setTrustOptions(null);
    assertThat(catchThrowable(() -> roundTrip(legit, trustsAll))).isNotNull();
    // plain TLS without a client certificate
    assertThat(catchThrowable(() -> roundTrip(legit, new NetClientOptions().setSsl(true).setTrustAll(true)
        .setHostnameVerificationAlgorithm("")))).isNotNull();
    // and a legit node never talks to a rogue's server
    assertThat(catchThrowable(() -> roundTrip(echo(ROGUE), client(NODE_A)))).isNotNull();
  }

  /**
   * The event bus's key stores live in memory, behind constant passwords: one PBKDF2 round protects them as well
   * as the JDK's 10 000, without ≈ 0.45 s of CPU per clustered start; an operator's own choice stays. (The
   * handshakes above run with the one round.)
   */
  @Test
  void inMemoryKeyStoresTakeOneKeyProtectionRoundUnlessTheOperatorChoseACount() {
    String before = System.getProperty(ClusterTls.KEY_PBE_ITERATIONS);
    try {
      System.clearProperty(ClusterTls.KEY_PBE_ITERATIONS);
      ClusterTls.secure(new EventBusOptions(), NODE_A);
      assertThat(System.getProperty(ClusterTls.KEY_PBE_ITERATIONS)).isEqualTo("1");
      System.setProperty(ClusterTls.KEY_PBE_ITERATIONS, "5000");
      ClusterTls.initServerContextClass();
      ClusterTls.secure(new EventBusOptions(), NODE_A);
      assertThat(System.getProperty(ClusterTls.KEY_PBE_ITERATIONS)).isEqualTo("5000");
    } finally {
      if (before == null) {
        System.clearProperty(ClusterTls.KEY_PBE_ITERATIONS);
      } else {
        System.setProperty(ClusterTls.KEY_PBE_ITERATIONS, before);
      }
    }
  }

  @Test
  void theCaIsTheSameForTheSameSecretAndItsKeysMatch() throws Exception {
    KeyPair a = ClusterTls.derivedCa(NODE_A.tlsKey());
    KeyPair again = ClusterTls.derivedCa(ClusterTrustTest.trust(ClusterTrustTest.SECRET).tlsKey());
    assertThat(again.getPublic().getEncoded()).isEqualTo(a.getPublic().getEncoded());
    assertThat(ClusterTls.derivedCa(ROGUE.tlsKey()).getPublic().getEncoded())
        .isNotEqualTo(a.getPublic().getEncoded());
    // the public key computed from the derived scalar is that scalar's: a signature verifies
    Signature sign = Signature.getInstance("SHA256withECDSA");
    sign.initSign(a.getPrivate());
    sign.update(new byte[] {1, 2, 3});
    byte[] sig = sign.sign();
    Signature verify = Signature.getInstance("SHA256withECDSA");
    verify.initVerify(a.getPublic());
    verify.update(new byte[] {1, 2, 3});
    assertThat(verify.verify(sig)).isTrue();
    // and the PEM material never contains the secret's derived keys in the clear
    ClusterTls.Material m = ClusterTls.material(NODE_A.tlsKey());
    assertThat(m.certPem()).contains("BEGIN CERTIFICATE").endsWith(m.caPem());
  }
}
