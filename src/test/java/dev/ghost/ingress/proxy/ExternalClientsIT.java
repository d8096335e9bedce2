package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.ProxyProtocolHttpsBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.Tools;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that are not ours (curl, openssl s_client) go through the ingress to a backend that parses PROXY v2: they
 * verify the backend's own certificate against the test CA, and the backend sees curl's real source address and
 * port, in the IPv4 form for IPv4 clients (including IPv4 clients of a dual-stack {@code [::]} listener).
 */
class ExternalClientsIT {

  /** {@code client=<host>:<port> sni=<name> local=<host>:<port>}, then curl's {@code -w} line. */
  private static final Pattern ANSWER =
      Pattern.compile("client=(.+):(\\d+) sni=(\\S+) local=(.+):(\\d+)\\n(\\S+) (\\d+)");
  private static final long PROCESS_TIMEOUT_SECONDS = 15;

  static Vertx vertx;
  static ProxyProtocolHttpsBackend myapp;
  static TestNode node;
  static TestNode dualStack;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    myapp = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.MYAPP);
    String backend = TestNode.hostPort("::1", myapp.actualPort());
    node = TestNode.start(new TestNode.Spec()
        .ipv6("::1")
        .ipv4("127.0.0.1")
        .env("dev", "127.0.0.1")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, backend).env("dev").proxyV2()));
    dualStack = TestNode.start(new TestNode.Spec()
        .ipv6("::")
        .ipv4("0.0.0.0")
        .env("dev", "127.0.0.1")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, backend).env("dev").proxyV2()));
  }

  @AfterAll
  static void stop() {
    node.awaitNoOpenConnections(Duration.ofSeconds(5));
    dualStack.awaitNoOpenConnections(Duration.ofSeconds(5));
    node.close();
    dualStack.close();
    vertx.close().await();
  }

  @Test
  void curlOverIpv6ReachesTheBackendWhichSeesCurlsSource() throws Exception {
    int port = node.port("::1", 443);
    Answer a = curl("[::1]", port);
    assertThat(a.exitCode).as(a.output).isZero();
    assertThat(a.localIp).isEqualTo(InetAddress.getByName("::1"));
    assertThat(a.client).isEqualTo(InetAddress.getByName("::1"));
    assertThat(a.clientPort).isEqualTo(a.localPort);
    assertThat(a.sni).isEqualTo(TestTls.MYAPP);
    assertThat(a.reached).isEqualTo(InetAddress.getByName("::1"));
    assertThat(a.reachedPort).as("PROXY dst is the port the client really reached").isEqualTo(port);
  }

  @Test
  void curlOverIpv4ReachesTheBackendWhichSeesAnIpv4Client() throws Exception {
    int port = node.port("127.0.0.1", 443);
    Answer a = curl("127.0.0.1", port);
    assertThat(a.exitCode).as(a.output).isZero();
    assertThat(a.client.getAddress()).as("an IPv4 PROXY header").hasSize(4);
    assertThat(a.client).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(a.clientPort).isEqualTo(a.localPort);
    assertThat(a.reached).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(a.reachedPort).isEqualTo(port);
  }

  @Test
  void curlOverIpv4ToADualStackListenerGetsTheIpv4Form() throws Exception {
    int port = dualStack.port("::", 443);
    Answer a = curl("127.0.0.1", port);
    if (a.exitCode == 7) {
      Assumptions.abort("the [::] listener is IPv6-only on this host (IPV6_V6ONLY): " + a.output);
    }
    assertThat(a.exitCode).as(a.output).isZero();
    assertThat(a.client.getAddress()).as("::ffff:127.0.0.1 unwrapped to an IPv4 header").hasSize(4);
    assertThat(a.client).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(a.clientPort).isEqualTo(a.localPort);
    assertThat(a.reached).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(a.reachedPort).isEqualTo(port);
  }

  @Test
  void curlOverIpv4ToAWildcardIpv4ListenerReachesTheOwnersRoute() throws Exception {
    int port = dualStack.port("0.0.0.0", 443);
    Answer a = curl("127.0.0.1", port);
    assertThat(a.exitCode).as(a.output).isZero();
    assertThat(a.client).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(a.clientPort).isEqualTo(a.localPort);
    assertThat(a.reached).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(a.reachedPort).isEqualTo(port);
  }

  @Test
  void opensslVerifiesTheBackendsOwnCertificate() throws Exception {
    Path openssl = Tools.require("openssl");
    int port = node.port("::1", 443);
    Run r = run(List.of(openssl.toString(), "s_client",
        "-connect", "[::1]:" + port,
        "-servername", TestTls.MYAPP,
        "-verify_hostname", TestTls.MYAPP,
        "-CAfile", TestTls.caPath().toString()));
    assertThat(r.output).contains("Verify return code: 0 (ok)");
    assertThat(r.output).containsPattern("subject=.*CN ?= ?" + Pattern.quote(TestTls.MYAPP));
    assertThat(r.output).containsPattern("issuer=.*CN ?= ?ghost test CA");
  }

  @Test
  void opensslOverIpv4VerifiesTheBackendsOwnCertificate() throws Exception {
    Path openssl = Tools.require("openssl");
    Run r = run(List.of(openssl.toString(), "s_client",
        "-connect", "127.0.0.1:" + node.port("127.0.0.1", 443),
        "-servername", TestTls.MYAPP,
        "-verify_hostname", TestTls.MYAPP,
        "-CAfile", TestTls.caPath().toString()));
    assertThat(r.output).contains("Verify return code: 0 (ok)");
    assertThat(r.output).containsPattern("subject=.*CN ?= ?" + Pattern.quote(TestTls.MYAPP));
  }

  /** curl's answer from the backend, and curl's own view of its source address. */
  private record Answer(int exitCode, String output, InetAddress client, int clientPort, String sni,
      InetAddress reached, int reachedPort, InetAddress localIp, int localPort) {}

  private static Answer curl(String connectHost, int port) throws Exception {
    Path curl = Tools.require("curl");
    String url = "https://" + TestTls.MYAPP + ":" + port + "/";
    Run r = run(List.of(curl.toString(), "-sS", "--max-time", "10",
        "--resolve", TestTls.MYAPP + ":" + port + ":" + connectHost,
        "--cacert", TestTls.caPath().toString(),
        "-w", "%{local_ip} %{local_port}",
        url));
    if (r.exitCode != 0) {
      return new Answer(r.exitCode, r.output, null, -1, null, null, -1, null, -1);
    }
    Matcher m = ANSWER.matcher(r.output.trim());
    assertThat(m.matches()).as("curl output: " + r.output).isTrue();
    return new Answer(0, r.output, InetAddress.getByName(m.group(1)), Integer.parseInt(m.group(2)), m.group(3),
        InetAddress.getByName(m.group(4)), Integer.parseInt(m.group(5)), InetAddress.getByName(m.group(6)),
        Integer.parseInt(m.group(7)));
  }

  private record Run(int exitCode, String output) {}

  private static Run run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    byte[] out = p.getInputStream().readAllBytes(); // ends when the process exits (its --max-time bounds it)
    if (!p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command.get(0) + " did not exit within " + PROCESS_TIMEOUT_SECONDS + " s");
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
