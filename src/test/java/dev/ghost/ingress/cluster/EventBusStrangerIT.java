package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestFleet;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Strangers knocking on a secured node's event-bus port (a real {@code ingress.jar}): a TLS client without a
 * certificate, one with a certificate made under another secret, and one speaking plain text. Each connection is
 * refused (the peer never gets to send a frame) and counted as {@code ghost_cluster_refusals_total{channel=
 * "event_bus_tls"}} by reason, and each reason is logged once for the peer however often it retries.
 */
class EventBusStrangerIT {

  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final String CHANNEL = TrustChannel.EVENT_BUS_TLS.label();
  private static final Pattern REFUSAL = Pattern.compile(
      "^ghost_cluster_refusals_total\\{channel=\"([a-z_]+)\",reason=\"([a-z_]+)\",?\\} ([0-9.eE+]+)$");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  static TestFleet fleet;
  static int eventBusPort;

  @BeforeAll
  static void start() throws Exception {
    eventBusPort = TestFleet.freePort(new HashSet<>());
    fleet = TestFleet.start(1, new TestFleet.Options().env(i -> Map.of("GHOST_EVENTBUS_PORT",
        String.valueOf(eventBusPort))));
  }

  @AfterAll
  static void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aClientWithoutCertificateIsRefusedCountedAndLoggedOnce() throws Exception {
    for (int attempt = 0; attempt < 3; attempt++) {
      assertThat(refusedAfterTls(null)).isTrue();
    }
    awaitCount(TrustRefusal.NO_CERTIFICATE, 3);
    assertLoggedOnce(TrustRefusal.NO_CERTIFICATE);
  }

  @Test
  void aClientWithAnotherSecretsCertificateIsRefused() throws Exception {
    ClusterTrust other = ClusterTrust.ofSecret(
        "another-fleet-another-fleet-another-fleet-0123".getBytes(StandardCharsets.UTF_8));
    for (int attempt = 0; attempt < 2; attempt++) {
      assertThat(refusedAfterTls(keyManagers(ClusterTls.material(other.tlsKey())))).isTrue();
    }
    awaitCount(TrustRefusal.UNTRUSTED_CERTIFICATE, 2);
    assertLoggedOnce(TrustRefusal.UNTRUSTED_CERTIFICATE);
  }

  @Test
  void plainTextIsRefused() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), eventBusPort)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      // the node answers with at most a TLS alert, then closes
      assertThat(drain(s.getInputStream())).isLessThan(16);
    }
    awaitCount(TrustRefusal.HANDSHAKE_FAILED, 1);
    assertLoggedOnce(TrustRefusal.HANDSHAKE_FAILED);
  }

  /**
   * Connects with TLS presenting {@code keys} (null: no certificate), trusting any server certificate, and reports
   * whether the node ended the connection without one byte of application data. With TLS 1.3 the client's
   * handshake completes before the server has checked its certificate: the refusal arrives on the first read.
   */
  private static boolean refusedAfterTls(KeyManager[] keys) throws GeneralSecurityException, IOException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keys, new TrustManager[] {new TrustAnyServer()}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
        eventBusPort)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return s.getInputStream().read() == -1;
    } catch (javax.net.ssl.SSLException refused) {
      return true;
    }
  }

  private static int drain(InputStream in) {
    int n = 0;
    try {
      while (in.read() != -1) {
        n++;
      }
    } catch (IOException reset) {
      // a reset after the alert is a refusal too
    }
    return n;
  }

  private static void awaitCount(TrustRefusal reason, double expected) {
    Await.until(reason.label() + " counted " + expected + " times", DEADLINE,
        () -> refusalCounts().getOrDefault(reason.label(), 0.0) == expected,
        () -> refusalCounts() + "\n" + fleet.describe());
  }

  private static void assertLoggedOnce(TrustRefusal reason) {
    Await.until("the " + reason.label() + " refusal logged", DEADLINE, () -> refusedLines(reason) >= 1,
        fleet::describe);
    assertThat(refusedLines(reason)).as("one line per channel, reason and peer").isEqualTo(1);
  }

  private static long refusedLines(TrustRefusal reason) {
    return fleet.node(0).process().stdout().stream()
        .filter(l -> l.contains("cluster message refused") && l.contains("\"channel\":\"" + CHANNEL + "\"")
            && l.contains("\"reason\":\"" + reason.label() + "\"") && l.contains("\"sender\":\"127.0.0.1\""))
        .count();
  }

  private static Map<String, Double> refusalCounts() {
    try {
      String text = HTTP.send(HttpRequest.newBuilder(URI.create(fleet.node(0).admin("/metrics")))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
      return text.lines().map(REFUSAL::matcher).filter(Matcher::matches).filter(m -> m.group(1).equals(CHANNEL))
          .collect(Collectors.toMap(m -> m.group(2), m -> Double.parseDouble(m.group(3)), Double::sum));
    } catch (IOException | InterruptedException e) {
      return Map.of();
    }
  }

  /** A key manager presenting {@code m}'s key and certificate chain. */
  private static KeyManager[] keyManagers(ClusterTls.Material m) throws GeneralSecurityException, IOException {
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der(m.keyPem())));
    Certificate[] chain = CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(m.certPem().getBytes(StandardCharsets.US_ASCII)))
        .toArray(new Certificate[0]);
    char[] password = "x".toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("node", key, password, chain);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    return kmf.getKeyManagers();
  }

  private static byte[] der(String pem) {
    return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
  }

  /** The stranger does not care who the node is: it wants the node to judge its own certificate. */
  private static final class TrustAnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // anything
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
