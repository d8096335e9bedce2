package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Route table swaps under load: a 100 MB echo transfer through a tls_passthrough route stays byte-exact (SHA-256
 * both ways) while the table is swapped again and again with the route changed and removed; while it is removed,
 * new connections for it are closed, and the established one still finishes.
 */
class TableSwapIT {

  private static final long PAYLOAD = 100L * 1024 * 1024;
  private static final int CHUNK = 64 * 1024;

  static RawServer echo;
  static RawServer other;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    echo = RawServer.echo("::1");
    other = RawServer.capture("::1");
    node = TestNode.start(spec(Variant.ORIGINAL));
  }

  @AfterAll
  static void stop() {
    node.close();
    echo.close();
    other.close();
  }

  enum Variant { ORIGINAL, CHANGED, REMOVED }

  static TestNode.Spec spec(Variant v) {
    TestNode.Spec spec = new TestNode.Spec().withoutProbes().set("proxy.sniff_timeout", "5s").ipv6("::1")
        .route(RouteJson.tls("other", TestTls.OTHER, other.backend()));
    if (v == Variant.ORIGINAL) {
      spec.route(RouteJson.tls("bulk", TestTls.MYAPP, echo.backend()));
    } else if (v == Variant.CHANGED) {
      // same target plus one more backend, and a PROXY header for new connections
      spec.route(RouteJson.tls("bulk", TestTls.MYAPP, echo.backend(), TestNode.hostPort("::1", 9)).proxyV2());
    }
    return spec;
  }

  @Test
  void transferSurvivesRepeatedSwapsAndRemoval() throws Exception {
    IngressConfig original = TestNode.config(spec(Variant.ORIGINAL));
    IngressConfig changed = TestNode.config(spec(Variant.CHANGED));
    IngressConfig removed = TestNode.config(spec(Variant.REMOVED));
    RouteTableRef tables = node.node().tables();
    long version = tables.current().version();

    byte[] hello = ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3");
    AtomicLong received = new AtomicLong();
    int acceptedBefore = echo.accepted();
    try (Socket client = Clients.connect("::1", node.port("::1", 443))) {
      client.setSoTimeout(30_000);
      CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> send(client, hello));
      CompletableFuture<String> echoed = CompletableFuture.supplyAsync(() -> receive(client, received));
      Await.until("the transfer to reach the backend", () -> echo.accepted() == acceptedBefore + 1
          && received.get() > 0);

      int swaps = 0;
      int refusedWhileRemoved = 0;
      while (!echoed.isDone()) {
        tables.swap(IngressNode.staticTable(changed, ++version));
        tables.swap(IngressNode.staticTable(removed, ++version));
        swaps += 2;
        if (refusedWhileRemoved < 3 && received.get() < PAYLOAD) {
          assertNewConnectionClosed(hello);
          refusedWhileRemoved++;
        }
        if (received.get() < PAYLOAD * 3 / 4) {
          tables.swap(IngressNode.staticTable(original, ++version));
          swaps++;
        } else {
          break;
        }
      }
      // the route stays removed; the established connection must still finish
      assertThat(tables.current().route("bulk")).isNull();
      String sentHash = sent.get(60, TimeUnit.SECONDS);
      String echoedHash = echoed.get(60, TimeUnit.SECONDS);
      assertThat(received.get()).isEqualTo(hello.length + PAYLOAD);
      assertThat(echoedHash).isEqualTo(sentHash);
      assertThat(swaps).isGreaterThanOrEqualTo(3);
      assertThat(refusedWhileRemoved).isGreaterThanOrEqualTo(1);
    }
    Await.until("the transfer's connection to complete", () -> Probe.closed(node, "completed") >= 1.0);
  }

  @Test
  void rawListenerClosesOnRemovalAndIsBackAfterQuickReAdds() throws Exception {
    IngressConfig with = TestNode.config(rawSpec(true));
    IngressConfig without = TestNode.config(rawSpec(false));
    try (TestNode n = TestNode.start(rawSpec(true))) {
      RouteTableRef tables = n.node().tables();
      long version = tables.current().version();
      int port = n.port("::1", RAW_PORT);
      try (Socket established = Clients.connect("::1", port)) {
        echoes(established, "before");
        tables.swap(IngressNode.staticTable(without, ++version));
        Await.until("the raw listener to close", () -> refuses(port));
        echoes(established, "after the route and its listener are gone");
      }
      // Route changes arrive at most once per control-plane batch; each state is allowed to settle before the next
      for (int i = 0; i < 5; i++) {
        tables.swap(IngressNode.staticTable(with, ++version));
        Await.until("the raw listener to be bound", () -> n.node().bound().port("::1", RAW_PORT) > 0);
        int bound = n.port("::1", RAW_PORT);
        try (Socket probe = Clients.connect("::1", bound)) {
          echoes(probe, "round " + i);
        }
        tables.swap(IngressNode.staticTable(without, ++version));
        Await.until("the raw listener to close again", () -> refuses(bound));
      }
      tables.swap(IngressNode.staticTable(with, ++version));
      Await.until("the raw listener to be bound again", () -> n.node().bound().port("::1", RAW_PORT) > 0,
          () -> n.node().bound().snapshot().toString());
      try (Socket again = Clients.connect("::1", n.port("::1", RAW_PORT))) {
        echoes(again, "after quick re-adds");
      }
      assertThat(Probe.routes(n).getJsonArray("bind_failures")).isEmpty();
    }
  }

  private static final int RAW_PORT = 7800;

  static TestNode.Spec rawSpec(boolean withRaw) {
    TestNode.Spec spec = new TestNode.Spec().withoutProbes().ipv6("::1")
        .route(RouteJson.tls("other", TestTls.OTHER, other.backend()));
    if (withRaw) {
      spec.route(RouteJson.raw("raw", RAW_PORT, echo.backend()));
    } else {
      // keep the port mapped so the spec's port map is the same in both tables
      spec.route(RouteJson.raw("smtp-placeholder", 25, echo.backend()));
    }
    return spec;
  }

  private static boolean refuses(int port) {
    try (Socket s = new Socket()) {
      s.connect(new java.net.InetSocketAddress("::1", port), 1000);
      return false;
    } catch (java.io.IOException e) {
      return true;
    }
  }

  private static void echoes(Socket s, String text) throws Exception {
    byte[] b = Clients.ascii(text);
    s.getOutputStream().write(b);
    assertThat(Clients.readExactly(s, b.length)).isEqualTo(b);
  }

  private static void assertNewConnectionClosed(byte[] hello) throws Exception {
    double before = Probe.closed(node, "no_route");
    int accepted = echo.accepted();
    try (Socket late = Clients.connect("::1", node.port("::1", 443))) {
      late.getOutputStream().write(hello);
      Clients.expectClosedWithoutData(late);
    } catch (java.net.SocketException e) {
      // the write may already meet the close
    }
    Await.until("closed{reason=no_route}", Duration.ofSeconds(10), () -> Probe.closed(node, "no_route") > before,
        () -> "");
    assertThat(echo.accepted()).isEqualTo(accepted);
  }

  /** Writes the hello and 100 MB of seeded random bytes, then FIN; returns the SHA-256 of all of it. */
  private static String send(Socket s, byte[] hello) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      OutputStream out = s.getOutputStream();
      out.write(hello);
      sha.update(hello);
      Random random = new Random(42);
      byte[] chunk = new byte[CHUNK];
      for (long left = PAYLOAD; left > 0; left -= CHUNK) {
        random.nextBytes(chunk);
        int n = (int) Math.min(CHUNK, left);
        out.write(chunk, 0, n);
        sha.update(chunk, 0, n);
      }
      out.flush();
      s.shutdownOutput();
      return HexFormat.of().formatHex(sha.digest());
    } catch (Exception e) {
      throw new IllegalStateException("send failed", e);
    }
  }

  /** Reads to EOF; returns the SHA-256 of what came back. */
  private static String receive(Socket s, AtomicLong count) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      InputStream in = s.getInputStream();
      byte[] buf = new byte[CHUNK];
      int n;
      while ((n = in.read(buf)) >= 0) {
        sha.update(buf, 0, n);
        count.addAndGet(n);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (Exception e) {
      throw new IllegalStateException("receive failed after " + count.get() + " bytes", e);
    }
  }
}
