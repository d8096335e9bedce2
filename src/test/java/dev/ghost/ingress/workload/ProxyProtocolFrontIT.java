package dev.ghost.ingress.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.proxy.ProxyHeaderV2;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sample workload reads PROXY v2 with the ingress' own reader (no Netty codec in the jar): a real TLS client
 * behind a written header gets an answer naming the header's addresses, not the connection's; bytes that are no
 * header are refused with the connection closed.
 */
class ProxyProtocolFrontIT {

  private static final String HOST = "myapp.example.com";
  Vertx vertx;
  int port;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    port = SampleWorkload.start(vertx, new HostPort("::1", 0), true).await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void answersWithTheAddressesTheHeaderCarries() throws Exception {
    try (Socket plain = new Socket("::1", port)) {
      plain.setSoTimeout(10_000);
      plain.getOutputStream().write(ProxyHeaderV2.encode(new InetSocketAddress("2001:db8::7", 40000),
          new InetSocketAddress("198.51.100.1", 443)));
      String response = get(handshake(plain));
      assertThat(response).startsWith("HTTP/1.1 200");
      assertThat(response).contains("client: [2001:db8::7]:40000", "sni: " + HOST);
      assertThat(response.lines().filter(l -> l.startsWith("server: ")).findFirst().orElseThrow())
          .as("the family-mixed destination reads back as the IPv4 address it carries")
          .isEqualTo("server: 198.51.100.1:443");
    }
  }

  @Test
  void bytesThatAreNoHeaderAreRefused() throws Exception {
    try (Socket plain = new Socket("::1", port)) {
      plain.setSoTimeout(10_000);
      plain.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5});
      assertThat(plain.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
    }
  }

  private static SSLSocket handshake(Socket plain) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = ProxyProtocolFrontIT.class.getClassLoader().getResourceAsStream("dev-tls/ca.pem")) {
      trust.setCertificateEntry("dev-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(plain, HOST, plain.getPort(), false);
    SSLParameters params = tls.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName(HOST)));
    params.setEndpointIdentificationAlgorithm("HTTPS");
    tls.setSSLParameters(params);
    tls.startHandshake();
    return tls;
  }

  private static String get(SSLSocket tls) throws Exception {
    tls.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    tls.getInputStream().transferTo(buf);
    return buf.toString(StandardCharsets.UTF_8);
  }
}
