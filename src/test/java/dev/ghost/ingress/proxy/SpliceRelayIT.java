package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The splice relay over real sockets, through a node on native epoll: bytes both ways at the same time, of sizes
 * around the pipe's 64 KiB and far past it, arrive exactly; a FIN right behind a large write arrives after all of
 * it (the case Netty's own {@code spliceTo} loses bytes in); a slow reader gets every byte; a reset on either side
 * is passed on as a reset; a thousand relays at once all complete, and their pipes go back to the pool instead of leaking.
 * Half-close ordering and backpressure are covered for both relays by {@link HalfCloseIT} and {@link BackpressureIT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpliceRelayIT {

  private static final int SWAP = 7600;
  private static final int ECHO = 7601;
  private static final int CAPTURE = 7602;
  private static final int RESET = 7603;
  private static final int ANSWER = 7604;

  private RawServer swap;
  private RawServer echo;
  private RawServer capture;
  private RawServer resetter;
  private RawServer answerThenClose;
  private TestNode node;

  @BeforeAll
  void start() throws Exception {
    // reads the client's whole upload while sending its own payload (size and seed from the client's first 12
    // bytes), then half-closes and answers the digest of what it read
    swap = RawServer.start("::1", SpliceRelayIT::swap);
    echo = RawServer.echo("::1");
    capture = RawServer.capture("::1");
    // sends 1 MiB, then closes with RST
    resetter = RawServer.start("::1", s -> {
      s.getOutputStream().write(new byte[1 << 20]);
      s.setSoLinger(true, 0);
      s.close();
    });
    // answers and closes at once: what a client writes after that meets a closed socket (TLS close_notify does)
    answerThenClose = RawServer.start("::1", s -> {
      s.getOutputStream().write(Clients.ascii("answer"));
      s.close();
    });
    node = TestNode.start(new TestNode.Spec().withoutProbes().ipv6("::1")
        .set(Relays.SETTING, Relays.nativeTransport(Relays.SPLICE))
        .route(RouteJson.raw("swap", SWAP, swap.backend()))
        .route(RouteJson.raw("echo", ECHO, echo.backend()))
        .route(RouteJson.raw("capture", CAPTURE, capture.backend()))
        .route(RouteJson.raw("reset", RESET, resetter.backend()))
        .route(RouteJson.raw("answer", ANSWER, answerThenClose.backend())));
  }

  @AfterAll
  void stop() {
    Relays.assertOnlyUsed(node, Relays.SPLICE);
    node.close();
    Stream.of(swap, echo, capture, resetter, answerThenClose).forEach(RawServer::close);
  }

  static Stream<int[]> sizes() {
    // {client → backend, backend → client}: empty, tiny, around one pipe's capacity, many pipes
    return Stream.of(new int[] {0, 0}, new int[] {1, 0}, new int[] {0, 1}, new int[] {65_535, 65_536},
        new int[] {65_537, 65_536 * 3 + 1}, new int[] {1_048_583, 7}, new int[] {9_000_011, 5_000_003});
  }

  @ParameterizedTest(name = "up={0}")
  @MethodSource("sizes")
  void bytesBothWaysAtOnceArriveExactly(int[] sizes) throws Exception {
    long seed = sizes[0] * 31L + sizes[1];
    byte[] up = random(sizes[0], seed);
    byte[] down = random(sizes[1], seed + 1);
    try (Socket client = Clients.connect("::1", node.port("::1", SWAP))) {
      CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> writeThenFin(client, header(sizes[1], seed + 1), up));
      byte[] got = Clients.readToEof(client);
      upload.get(30, TimeUnit.SECONDS);
      assertThat(got.length).isEqualTo(down.length + 32);
      assertThat(java.util.Arrays.copyOf(got, down.length)).isEqualTo(down);
      assertThat(java.util.Arrays.copyOfRange(got, down.length, got.length)).isEqualTo(sha256(up));
    }
  }

  @Test
  void aFinRightBehindALargeWriteArrivesAfterAllOfIt() throws Exception {
    byte[] upload = random(8 << 20, 42);
    try (Socket client = Clients.connect("::1", node.port("::1", CAPTURE))) {
      // one write call, FIN at once: the FIN reaches the node while megabytes are still queued in its socket
      client.getOutputStream().write(upload);
      client.shutdownOutput();
      Await.until("the backend read to EOF", () -> capture.connections().stream().anyMatch(RawServer.Recorded::eof),
          () -> "backend got " + capture.connections().stream().map(c -> c.size() + (c.eof() ? "+EOF" : ""))
              .toList());
      RawServer.Recorded r = capture.connections().stream().filter(RawServer.Recorded::eof).findFirst()
          .orElseThrow();
      assertThat(r.size()).isEqualTo(upload.length);
      assertThat(r.bytes()).isEqualTo(upload);
    }
  }

  @Test
  void aSlowReaderGetsEveryByte() throws Exception {
    byte[] payload = random(3 << 20, 7);
    try (Socket client = Clients.connect("::1", node.port("::1", ECHO))) {
      CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> writeThenFin(client, new byte[0], payload));
      // reads in small pieces, so the node meets a full client socket again and again
      InputStream in = client.getInputStream();
      byte[] got = new byte[payload.length];
      int off = 0;
      int n;
      while (off < got.length && (n = in.read(got, off, Math.min(97, got.length - off))) > 0) {
        off += n;
      }
      assertThat(off).isEqualTo(payload.length);
      assertThat(got).isEqualTo(payload);
      assertThat(in.read()).isEqualTo(-1);
      upload.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBackendResetMidStreamResetsTheClient() throws Exception {
    double before = closed("backend_closed", "reset");
    // the reset overtakes bytes still queued for the client: the client sees it while reading, or, on a fast
    // loopback, already while its connect call completes
    assertThatThrownBy(() -> {
      try (Socket client = Clients.connect("::1", node.port("::1", RESET))) {
        Clients.readToEof(client);
      }
    }).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    Await.until("the close counted as backend_closed", () -> closed("backend_closed", "reset") > before);
  }

  @Test
  void aClientResetMidStreamResetsTheBackend() throws Exception {
    CompletableFuture<String> ending = new CompletableFuture<>();
    CompletableFuture<Void> reading = new CompletableFuture<>();
    try (RawServer reader = RawServer.start("::1", s -> {
          InputStream in = s.getInputStream();
          try {
            in.read();
            reading.complete(null);
            in.readAllBytes();
            ending.complete("eof");
          } catch (IOException e) {
            ending.complete(String.valueOf(e.getMessage()));
          }
        });
        TestNode own = TestNode.start(new TestNode.Spec().withoutProbes().ipv6("::1")
            .set(Relays.SETTING, Relays.nativeTransport(Relays.SPLICE))
            .route(RouteJson.raw("reader", RESET, reader.backend())))) {
      try (Socket client = Clients.connect("::1", own.port("::1", RESET))) {
        client.getOutputStream().write(random(1 << 20, 3));
        reading.get(10, TimeUnit.SECONDS);
        client.setSoLinger(true, 0);
      }
      assertThat(ending.get(10, TimeUnit.SECONDS)).contains("reset");
      Await.until("the close counted as client_closed", () -> own.node().services().metrics()
          .count(MetricNames.CONNECTIONS_CLOSED, "reason", "client_closed", "route", "reader") == 1);
    }
  }

  @Test
  void writesAfterTheBackendClosedEndTheConnectionWithoutDisturbingTheEventLoop() throws Exception {
    double before = closedOn("answer");
    List<ch.qos.logback.classic.spi.ILoggingEvent> loopWarnings = nettyWarningsDuring(() -> {
      for (int i = 0; i < 25; i++) {
        try (Socket client = Clients.connect("::1", node.port("::1", ANSWER))) {
          assertThat(Clients.readToEof(client)).isEqualTo(Clients.ascii("answer"));
          // written into a connection whose backend is gone, as a TLS close_notify after the server's is
          client.getOutputStream().write(Clients.ascii("late"));
          client.shutdownOutput();
        }
      }
    });
    Await.until("every connection ended and counted", () -> closedOn("answer") - before >= WORKERS * 25);
    assertThat(loopWarnings).isEmpty();
  }

  @Test
  void tlsClientsClosingAfterTheServerNeverDisturbTheEventLoop() throws Exception {
    // a real HTTPS backend with PROXY v2 that closes after each answer; the JDK client then sends its close_notify
    // into a connection the backend has closed: it is reset, and the next read of that socket fails ENOTCONN
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try (dev.ghost.ingress.testing.ProxyProtocolHttpsBackend https =
             dev.ghost.ingress.testing.ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.MYAPP);
         TestNode tls = TestNode.start(new TestNode.Spec().withoutProbes().ipv6("::1")
             // the JDK's TLS clients, 16 at once on a loaded machine, can take longer than the 200 ms default
             .set("proxy.sniff_timeout", "5s")
             .set(Relays.SETTING, Relays.nativeTransport(Relays.SPLICE))
             .route(RouteJson.tls("https", TestTls.MYAPP, "[::1]:" + https.actualPort()).proxyV2()
                 .port(8443)))) {
      List<ch.qos.logback.classic.spi.ILoggingEvent> loopWarnings = nettyWarningsDuring(() -> {
        for (int i = 0; i < 15; i++) {
          try (Socket client = TestTls.connect("::1", tls.port("::1", 8443), TestTls.MYAPP, "TLSv1.3")) {
            assertThat(TestTls.body(TestTls.httpGet(client, TestTls.MYAPP, "/"))).startsWith("client=");
          }
        }
      });
      assertThat(loopWarnings).isEmpty();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A client's work, run by {@link #WORKERS} threads at once. */
  private interface ClientWork {
    void run() throws Exception;
  }

  private static final int WORKERS = 16;

  /**
   * Runs {@code work} on {@link #WORKERS} threads at once and returns what Netty logged at WARN or above meanwhile:
   * an exception that escapes into an event loop is logged there, and the loop then pauses for a second.
   */
  private static List<ch.qos.logback.classic.spi.ILoggingEvent> nettyWarningsDuring(ClientWork work)
      throws Exception {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    root.addAppender(logs);
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
    try {
      List<CompletableFuture<Void>> done = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        done.add(CompletableFuture.runAsync(() -> {
          try {
            work.run();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      for (CompletableFuture<Void> d : done) {
        d.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      root.detachAppender(logs);
    }
    return logs.list.stream().filter(e -> e.getLoggerName().startsWith("io.netty")
        && e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)).toList();
  }

  @Test
  void aThousandRelaysAtOnceCompleteAndGiveTheirPipesBack() throws Exception {
    int n = 1000;
    long pipesBefore = openPipes();
    double relaysBefore = relays();
    byte[] payload = random(64 * 1024, 99);
    List<Socket> clients = new ArrayList<>(n);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      for (int i = 0; i < n; i++) {
        clients.add(Clients.connect("::1", node.port("::1", ECHO)));
      }
      Await.until("all " + n + " relays open", () -> relays() - relaysBefore >= n,
          () -> (relays() - relaysBefore) + " relays open");
      List<CompletableFuture<byte[]>> answers = new ArrayList<>(n);
      for (Socket c : clients) {
        answers.add(CompletableFuture.supplyAsync(() -> {
          writeThenFin(c, new byte[0], payload);
          try {
            return Clients.readToEof(c);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      for (CompletableFuture<byte[]> a : answers) {
        assertThat(a.get(60, TimeUnit.SECONDS)).isEqualTo(payload);
      }
    } finally {
      pool.shutdownNow();
      for (Socket c : clients) {
        c.close();
      }
    }
    Await.until("no connection open", () -> node.node().services().metrics()
        .registry().get(MetricNames.CONNECTIONS_ACTIVE).gauges().stream().mapToDouble(g -> g.value()).sum() == 0);
    // what stays is at most the loops' idle pipe pools (two descriptors a pipe), never a pipe per connection
    long bound = pipesBefore + 2L * Pipes.DEFAULT_IDLE * Runtime.getRuntime().availableProcessors();
    Await.until("pipe descriptors back within the pools", () -> openPipes() <= bound,
        () -> "pipe descriptors " + openPipes() + ", before " + pipesBefore + ", bound " + bound);
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private double relays() {
    return node.node().services().metrics().count(MetricNames.RELAYS, "relay", Relays.SPLICE);
  }

  private double closedOn(String route) {
    return node.node().services().metrics().registry().find(MetricNames.CONNECTIONS_CLOSED).tag("route", route)
        .counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private double closed(String reason, String route) {
    return node.node().services().metrics().count(MetricNames.CONNECTIONS_CLOSED, "reason", reason, "route", route);
  }

  /** Pipe descriptors open in this JVM (the node runs in it). */
  private static long openPipes() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().startsWith("pipe:");
        } catch (IOException gone) {
          return false;
        }
      }).count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The swap backend's request: how many bytes to send back and with which seed. */
  private static byte[] header(int size, long seed) {
    return java.nio.ByteBuffer.allocate(12).putInt(size).putLong(seed).array();
  }

  private static void swap(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(in.readNBytes(12));
    byte[] mine = random(h.getInt(), h.getLong());
    CompletableFuture<Void> send = CompletableFuture.runAsync(() -> {
      try {
        s.getOutputStream().write(mine);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[64 * 1024];
    int n;
    while ((n = in.read(buf)) >= 0) {
      digest.update(buf, 0, n);
    }
    send.get(60, TimeUnit.SECONDS);
    s.getOutputStream().write(digest.digest());
    s.shutdownOutput();
  }

  private static void writeThenFin(Socket s, byte[] first, byte[] payload) {
    try {
      OutputStream out = s.getOutputStream();
      out.write(first);
      Random chunks = new Random(payload.length);
      int off = 0;
      while (off < payload.length) {
        int len = Math.min(payload.length - off, 1 + chunks.nextInt(256 * 1024));
        out.write(payload, off, len);
        off += len;
      }
      s.shutdownOutput();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }
}
