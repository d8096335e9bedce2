package dev.ghost.ingress.testing;

import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The test TLS material of {@code src/test/resources/tls} (made by {@code generate.sh}) for Vert.x servers and JDK
 * clients. Leaves are named by host: {@code myapp.example.com}, {@code other.example.com},
 * {@code tenant-a.example.com}, {@code tenant-b.example.com}, {@code raw.example.com}, and {@code multi.example.com}
 * (SANs: all of those, localhost, 127.0.0.1, ::1).
 *
 * <p>JDK clients verify the chain against the test CA but do not check the host name: tests assert which backend
 * answered from the certificate's CN ({@link #peerCommonName}), which a host name check would hide behind an
 * exception.
 */
public final class TestTls {

  public static final String MYAPP = "myapp.example.com";
  public static final String OTHER = "other.example.com";
  public static final String TENANT_A = "tenant-a.example.com";
  public static final String TENANT_B = "tenant-b.example.com";
  public static final String RAW = "raw.example.com";
  public static final String MULTI = "multi.example.com";

  /** Handshakes and reads give up after this, so a broken peer fails a test instead of hanging it. */
  public static final int SOCKET_TIMEOUT_MILLIS = 10_000;

  private static volatile SSLContext clientContext;

  private TestTls() {
  }

  /**
   * Initialises JSSE (client context, a first ClientHello) ahead of time. The first TLS use in a JVM can take
   * longer than a 200 ms sniff timeout; tests that connect first and build the hello second would otherwise race it.
   */
  public static void warmUp() {
    clientContext();
    ClientHellos.jdk(MYAPP, "TLSv1.3");
  }

  /** The directory holding the PEM files (on the test class path). */
  public static Path dir() {
    URL url = TestTls.class.getResource("/tls/ca.pem");
    if (url == null) {
      throw new IllegalStateException("tls/ca.pem is not on the test class path");
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Path caPath() {
    return dir().resolve("ca.pem");
  }

  /** The leaf certificate of {@code host} (PEM). */
  public static Path certPath(String host) {
    return existing(dir().resolve(host + ".pem"));
  }

  /** The leaf's private key (PKCS#8 PEM). */
  public static Path keyPath(String host) {
    return existing(dir().resolve(host + "-key.pem"));
  }

  /** Vert.x server identity of {@code host}. */
  public static PemKeyCertOptions keyCert(String host) {
    return new PemKeyCertOptions().setCertPath(certPath(host).toString()).setKeyPath(keyPath(host).toString());
  }

  /** Vert.x trust in the test CA. */
  public static PemTrustOptions trust() {
    return new PemTrustOptions().addCertPath(caPath().toString());
  }

  /** A JDK client context that trusts the test CA only. */
  public static SSLContext clientContext() {
    SSLContext ctx = clientContext;
    if (ctx == null) {
      ctx = newClientContext();
      clientContext = ctx;
    }
    return ctx;
  }

  private static SSLContext newClientContext() {
    try (InputStream in = Files.newInputStream(caPath())) {
      X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
      trustStore.load(null, null);
      trustStore.setCertificateEntry("ghost-test-ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trustStore);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Connects to {@code host:port}, completes a TLS handshake and returns the socket.
   *
   * @param host        where to connect (an IP literal or name)
   * @param sni         the server_name to send; null sends none
   * @param tlsProtocol {@code TLSv1.2} or {@code TLSv1.3}
   */
  public static SSLSocket connect(String host, int port, String sni, String tlsProtocol) throws IOException {
    Socket plain = new Socket();
    try {
      plain.connect(new InetSocketAddress(host, port), SOCKET_TIMEOUT_MILLIS);
      return handshake(plain, sni, tlsProtocol);
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  /**
   * Layers TLS over an already connected socket (which may have carried a PROXY header first) and completes the
   * handshake. Closing the returned socket closes {@code plain}.
   */
  public static SSLSocket handshake(Socket plain, String sni, String tlsProtocol) throws IOException {
    plain.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
    // The host given here only seeds the JDK's default SNI and session cache key; the SSLParameters below decide.
    String peerHost = sni != null ? sni : plain.getInetAddress().getHostAddress();
    SSLSocket tls = (SSLSocket) clientContext().getSocketFactory()
        .createSocket(plain, peerHost, plain.getPort(), true);
    SSLParameters params = tls.getSSLParameters();
    params.setProtocols(new String[] {tlsProtocol});
    params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    tls.setSSLParameters(params);
    tls.startHandshake();
    return tls;
  }

  /** The peer's leaf certificate. */
  public static X509Certificate peerCertificate(SSLSocket socket) throws IOException {
    return (X509Certificate) socket.getSession().getPeerCertificates()[0];
  }

  /** The CN of the peer certificate's subject. */
  public static String peerCommonName(SSLSocket socket) throws IOException {
    return commonName(peerCertificate(socket));
  }

  /** The DNS and IP subject alternative names of the peer certificate, in certificate order. */
  public static List<String> peerSubjectAltNames(SSLSocket socket) throws IOException {
    return subjectAltNames(peerCertificate(socket));
  }

  public static String commonName(X509Certificate cert) {
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if ("CN".equalsIgnoreCase(rdn.getType())) {
          return rdn.getValue().toString();
        }
      }
      return null;
    } catch (InvalidNameException e) {
      throw new IllegalStateException(e);
    }
  }

  public static List<String> subjectAltNames(X509Certificate cert) {
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      List<String> names = new ArrayList<>();
      if (sans != null) {
        for (List<?> san : sans) {
          int type = (Integer) san.get(0);
          if (type == 2 || type == 7) { // dNSName, iPAddress
            names.add(san.get(1).toString());
          }
        }
      }
      return names;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sends {@code GET path} with {@code Connection: close} and returns the whole response (head and body) as text.
   */
  public static String httpGet(Socket socket, String hostHeader, String path) throws IOException {
    String request = "GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nConnection: close\r\n\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    ByteArrayOutputStream response = new ByteArrayOutputStream();
    socket.getInputStream().transferTo(response);
    return response.toString(StandardCharsets.UTF_8);
  }

  /** The body of an HTTP/1.1 response as returned by {@link #httpGet}, trimmed (no chunked decoding). */
  public static String body(String response) {
    int split = response.indexOf("\r\n\r\n");
    if (split < 0) {
      throw new IllegalArgumentException("not an HTTP response: " + response);
    }
    return response.substring(split + 4).trim();
  }

  private static Path existing(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("no test TLS file " + path + " (see src/test/resources/tls/generate.sh)");
    }
    return path;
  }
}
