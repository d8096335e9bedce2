package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.ProxyProtocolHttpsBackend;
import dev.ghost.ingress.testing.RecordingTcpBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.Vertx;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A ClientHello that arrives in pieces is reassembled and routed as long as it completes within the sniff timeout.
 * A hello that starts and then stalls is "SNI unavailable" at the timeout: closed where two routes share the port,
 * routed to a sole route with exactly the bytes received (no filler, nothing more).
 */
class SlowClientIT {

  static final Duration SNIFF_TIMEOUT = Duration.ofMillis(500);
  static final int SHARED = 443;
  static final int SOLE = 8443;
  /** Between pieces: enough for the kernel to send each piece as its own segment, far below the timeout. */
  static final long SEGMENT_GAP_MILLIS = 20;

  static Vertx vertx;
  static RecordingTcpBackend myapp;
  static RecordingTcpBackend other;
  static RecordingTcpBackend sole;
  static ProxyProtocolHttpsBackend tenantB;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    myapp = RecordingTcpBackend.start(vertx, "::1");
    other = RecordingTcpBackend.start(vertx, "::1");
    sole = RecordingTcpBackend.start(vertx, "::1");
    tenantB = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.TENANT_B);
    node = TestNode.start(new TestNode.Spec().withoutProbes()
        .ipv6("::1")
        .set("proxy.sniff_timeout", SNIFF_TIMEOUT.toMillis() + "ms")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, myapp.address()))
        .route(RouteJson.tls("other", TestTls.OTHER, other.address()))
        .route(RouteJson.tls("tenant-b", TestTls.TENANT_B, TestNode.hostPort("::1", tenantB.actualPort())).proxyV2())
        .route(RouteJson.tls("sole", TestTls.TENANT_A, sole.address()).port(SOLE)));
  }

  @AfterAll
  static void stop() {
    node.awaitNoOpenConnections(Duration.ofSeconds(5));
    node.close();
    vertx.close().await();
  }

  @Test
  void helloInThreePiecesIsRoutedByItsSni() throws Exception {
    byte[] hello = ClientHellos.jdk(TestTls.OTHER, "TLSv1.3");
    assertRoutedInPieces(hello);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void realHandshakeWhoseHelloArrivesInThreeSegmentsCompletes(String protocol) throws Exception {
    try (SplittingSocket plain = new SplittingSocket()) {
      plain.setTcpNoDelay(true);
      plain.connect(new InetSocketAddress("::1", node.port("::1", SHARED)), TestTls.SOCKET_TIMEOUT_MILLIS);
      try (SSLSocket tls = TestTls.handshake(plain, TestTls.TENANT_B, protocol)) {
        assertThat(plain.firstWritePieces).as("the hello went out in three segments").isEqualTo(3);
        assertThat(TestTls.peerCommonName(tls)).isEqualTo(TestTls.TENANT_B);
        String body = TestTls.body(TestTls.httpGet(tls, TestTls.TENANT_B, "/"));
        assertThat(body).startsWith("client=0:0:0:0:0:0:0:1:" + plain.getLocalPort() + " sni=" + TestTls.TENANT_B);
      }
    }
  }

  /** A socket whose first write (a TLS client's ClientHello) leaves in three flushed pieces, in separate segments. */
  static final class SplittingSocket extends Socket {
    volatile int firstWritePieces;
    private OutputStream out;

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
      if (out == null) {
        OutputStream raw = super.getOutputStream();
        out = new FilterOutputStream(raw) {
          private boolean first = true;

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (!first || len < 3) {
              raw.write(b, off, len);
              return;
            }
            first = false;
            int a = len / 3;
            int c = 2 * len / 3;
            raw.write(b, off, a);
            raw.flush();
            pause();
            raw.write(b, off + a, c - a);
            raw.flush();
            pause();
            raw.write(b, off + c, len - c);
            raw.flush();
            firstWritePieces = 3;
          }
        };
      }
      return out;
    }

    private static void pause() throws IOException {
      try {
        Thread.sleep(SEGMENT_GAP_MILLIS); // segment boundary only
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException();
      }
    }
  }

  @Test
  void helloInThreeRecordsAndThreePiecesAcrossRecordBoundariesIsRouted() throws Exception {
    // Records of 100 handshake bytes; the pieces cut inside record headers and fragments alike.
    byte[] hello = ClientHellos.reframe(ClientHellos.jdk(TestTls.OTHER, "TLSv1.2"), 100);
    assertThat(ClientHellos.splitRecords(hello)).hasSizeGreaterThan(2);
    assertRoutedInPieces(hello);
  }

  private static void assertRoutedInPieces(byte[] hello) throws Exception {
    int index = other.accepted();
    int myappBefore = myapp.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
      int a = 3;                  // inside the first record header
      int b = hello.length / 2;   // somewhere in the middle
      Wire.send(s, Arrays.copyOfRange(hello, 0, a));
      Thread.sleep(SEGMENT_GAP_MILLIS); // segment boundary only; the outcome is polled below
      Wire.send(s, Arrays.copyOfRange(hello, a, b));
      Thread.sleep(SEGMENT_GAP_MILLIS);
      Wire.send(s, Arrays.copyOfRange(hello, b, hello.length));
      s.shutdownOutput();
      Await.until("other's backend got the hello and the FIN",
          () -> other.accepted() > index && other.connection(index).ended());
    }
    assertThat(other.connection(index).bytes()).isEqualTo(hello);
    assertThat(myapp.accepted()).isEqualTo(myappBefore);
  }

  @Test
  void helloWrittenByteByByteIsRoutedWithEveryByte() throws Exception {
    byte[] hello = ClientHellos.jdk(TestTls.OTHER, "TLSv1.3");
    byte[] early = "early bytes after the hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    int index = other.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
      for (byte b : hello) {
        Wire.send(s, new byte[] {b});
      }
      Wire.send(s, early);
      s.shutdownOutput();
      Await.until("other's backend got everything and the FIN",
          () -> other.accepted() > index && other.connection(index).ended());
    }
    assertThat(other.connection(index).bytes()).isEqualTo(ClientHellos.concat(hello, early));
  }

  @Test
  void stalledHelloIsClosedAtTheTimeoutWhereTwoRoutesShareThePort() throws Exception {
    byte[] hello = ClientHellos.jdk(TestTls.OTHER, "TLSv1.3");
    double timeouts = sniff("timeout");
    int otherBefore = other.accepted();
    int myappBefore = myapp.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
      Wire.send(s, Arrays.copyOfRange(hello, 0, hello.length / 2));
      Wire.Ending e = Wire.readToEnd(s, Duration.ofSeconds(5));
      assertThat(e.bytes()).isEmpty();
      assertThat(e.end()).isNotEqualTo(Wire.End.NONE);
      assertThat(e.afterMillis()).isBetween(SNIFF_TIMEOUT.toMillis() - 150, SNIFF_TIMEOUT.toMillis() + 1500);
    }
    Await.until("sniff{outcome=timeout} counted", () -> sniff("timeout") == timeouts + 1);
    assertThat(other.accepted()).isEqualTo(otherBefore);
    assertThat(myapp.accepted()).isEqualTo(myappBefore);
  }

  @Test
  void stalledHelloGoesToTheSoleRouteWithExactlyTheBytesReceived() throws Exception {
    byte[] hello = ClientHellos.jdk(TestTls.TENANT_A, "TLSv1.3");
    byte[] partial = Arrays.copyOfRange(hello, 0, hello.length / 2);
    int index = sole.accepted();
    long start = System.nanoTime();
    try (Socket s = Wire.connect("::1", node.port("::1", SOLE))) {
      Wire.send(s, partial);
      Await.until("the sole route's backend got the partial hello", Duration.ofSeconds(5),
          () -> sole.accepted() > index && sole.connection(index).size() >= partial.length);
      long routedAfter = (System.nanoTime() - start) / 1_000_000;
      assertThat(routedAfter).as("routed at the timeout, not before").isGreaterThanOrEqualTo(
          SNIFF_TIMEOUT.toMillis() - 100);
      s.shutdownOutput();
      Await.until("the client's FIN was forwarded", () -> sole.connection(index).ended());
    }
    assertThat(sole.connection(index).bytes()).isEqualTo(partial);
  }

  @Test
  void helloCutShortByFinIsClosedWhereTwoRoutesShareThePort() throws Exception {
    byte[] hello = ClientHellos.jdk(TestTls.OTHER, "TLSv1.3");
    int otherBefore = other.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SHARED))) {
      Wire.send(s, Arrays.copyOfRange(hello, 0, 40));
      s.shutdownOutput();
      Wire.Ending e = Wire.readToEnd(s, Duration.ofSeconds(5));
      assertThat(e.bytes()).isEmpty();
      assertThat(e.end()).isEqualTo(Wire.End.FIN);
      assertThat(e.afterMillis()).as("closed at the FIN, not at the timeout").isLessThan(SNIFF_TIMEOUT.toMillis());
    }
    assertThat(other.accepted()).isEqualTo(otherBefore);
  }

  @Test
  void helloCutShortByFinGoesToTheSoleRouteWithTheBytesAndTheFin() throws Exception {
    byte[] partial = Arrays.copyOfRange(ClientHellos.jdk(TestTls.TENANT_A, "TLSv1.3"), 0, 40);
    int index = sole.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", SOLE))) {
      Wire.send(s, partial);
      s.shutdownOutput();
      Await.until("the sole route's backend got the bytes and the FIN", () -> sole.accepted() > index
          && sole.connection(index).ended());
    }
    assertThat(sole.connection(index).bytes()).isEqualTo(partial);
  }

  @Test
  void manySlowClientsAtOnceAreEachRouted() throws Exception {
    byte[] hello = ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3");
    int first = myapp.accepted();
    int n = 30;
    Socket[] sockets = new Socket[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = Wire.connect("::1", node.port("::1", SHARED));
        Wire.send(sockets[i], Arrays.copyOfRange(hello, 0, 10));
      }
      for (int i = 0; i < n; i++) {
        Wire.send(sockets[i], Arrays.copyOfRange(hello, 10, hello.length));
        sockets[i].shutdownOutput();
      }
      Await.until("every slow client reached myapp with its FIN", () -> myapp.accepted() == first + n
          && java.util.stream.IntStream.range(first, first + n).allMatch(i -> myapp.connection(i).ended()));
    } finally {
      for (Socket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
    for (int i = first; i < first + n; i++) {
      assertThat(myapp.connection(i).bytes()).isEqualTo(hello);
    }
  }

  private static double sniff(String outcome) {
    return node.node().services().metrics().count(MetricNames.SNIFF, "outcome", outcome);
  }
}
