package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar is self-contained: copied elsewhere under another name and run from another directory, it
 * serves a route to its own {@code sample-workload} subcommand, and a real TLS client's address reaches the
 * workload through PROXY v2.
 */
class CopiedJarIT {

  private static final String HOST = "myapp.example.com";
  private static final Duration DEADLINE = JarProcess.START_DEADLINE;

  @TempDir
  Path dir;

  @Test
  void copiedJarProxiesTlsToItsSampleWorkloadWithTheClientAddress() throws Exception {
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Path copy = Files.copy(JarProcess.builtJar(), elsewhere.resolve("renamed-ghost.jar"));
    String java = JarProcess.currentJava();

    try (JarProcess workload = JarProcess.start(java, copy, Map.of(), elsewhere,
        "sample-workload", "--listen", "[::1]:0")) {
      JsonObject listening = workload.awaitLog("sample workload listening", j -> true, DEADLINE);
      int backendPort = listening.getInteger("port");
      assertThat(backendPort).isPositive();
      assertThat(listening.getBoolean("proxy_protocol")).isTrue();

      Path config = JarProcess.write(dir, "copied.toml", String.join("\n",
          "# a node for the copied-jar test",
          "[listen]",
          "ipv6 = [\"[::1]:443\"]",
          "port_map = [\"443=0\"]",
          // a cold client JVM can take longer than the 200 ms default to write its first ClientHello
          "[proxy]",
          "sniff_timeout = \"5s\"",
          "[admin]",
          "listen = \"127.0.0.1:0\"",
          "[state]",
          "file = \"" + dir.resolve("state.json") + "\"",
          "",
          "[[route]]",
          "id = \"myapp\"",
          "hostname = \"" + HOST + "\"",
          "port = 443",
          "protocol = \"tls_passthrough\"",
          "proxy_protocol = \"v2\"",
          "backends = [\"[::1]:" + backendPort + "\"]",
          ""));

      try (JarProcess node = JarProcess.start(java, copy, Map.of(), elsewhere, "--config", config.toString())) {
        node.awaitLog("ingress ready", j -> true, DEADLINE);
        int adminPort = node.awaitLog("listening", j -> "admin".equals(j.getString("listener")), DEADLINE)
            .getInteger("port");
        int ingressPort = boundPort(adminPort, "::1", 443);

        try (SSLSocket tls = connect("::1", ingressPort, HOST)) {
          String response = get(tls, HOST);
          assertThat(response).as(response).startsWith("HTTP/1.1 200");
          String client = line(response, "client: ");
          int colon = client.lastIndexOf(':');
          InetAddress clientHost = InetAddress.getByName(client.substring(0, colon));
          assertThat(clientHost).isEqualTo(InetAddress.getByName("::1"));
          assertThat(Integer.parseInt(client.substring(colon + 1)))
              .as("the workload saw the client's own port, not the ingress' outbound one: " + response)
              .isEqualTo(tls.getLocalPort());
          assertThat(line(response, "sni: ")).isEqualTo(HOST);
        }

        JsonObject status = adminGet(adminPort, "/v1/status");
        assertThat(status.getString("version")).isNotEqualTo("dev");

        node.sigterm();
        assertThat(node.awaitExit(Duration.ofSeconds(20))).as(node.describe()).isZero();
        assertThat(JarProcess.stackTraceLines(node.stderr())).as(node.describe()).isEmpty();
      }
      assertThat(JarProcess.stackTraceLines(workload.stderr())).as(workload.describe()).isEmpty();
    }
  }

  /** The port bound for {@code routePort} on {@code host}, from {@code /v1/status}. */
  static int boundPort(int adminPort, String host, int routePort) throws Exception {
    JsonArray sockets = adminGet(adminPort, "/v1/status").getJsonArray("bound_sockets");
    for (int i = 0; i < sockets.size(); i++) {
      JsonObject s = sockets.getJsonObject(i);
      if (host.equals(s.getString("host")) && s.getInteger("route_port") == routePort
          && s.getInteger("port") != null) {
        return s.getInteger("port");
      }
    }
    throw new AssertionError("no bound socket for " + host + " route port " + routePort + ": " + sockets);
  }

  static JsonObject adminGet(int adminPort, String path) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> res = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body());
  }

  /** A JDK TLS client that trusts only the dev CA shipped in the jar and sends {@code sni}. */
  static SSLSocket connect(String host, int port, String sni) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = CopiedJarIT.class.getClassLoader().getResourceAsStream("dev-tls/ca.pem")) {
      assertThat(in).as("dev-tls/ca.pem on the class path").isNotNull();
      trust.setCertificateEntry("dev-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    java.net.Socket plain = new java.net.Socket();
    plain.connect(new InetSocketAddress(InetAddress.getByName(host), port), 10_000);
    plain.setSoTimeout(10_000);
    SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(plain, sni, port, true);
    SSLParameters params = tls.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName(sni)));
    params.setEndpointIdentificationAlgorithm("HTTPS");
    tls.setSSLParameters(params);
    tls.startHandshake();
    return tls;
  }

  static String get(SSLSocket tls, String host) throws IOException {
    OutputStream out = tls.getOutputStream();
    out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    tls.getInputStream().transferTo(buf);
    return buf.toString(StandardCharsets.UTF_8);
  }

  static String line(String response, String prefix) {
    return response.lines().filter(l -> l.startsWith(prefix)).findFirst()
        .map(l -> l.substring(prefix.length()).strip())
        .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in " + response));
  }
}
