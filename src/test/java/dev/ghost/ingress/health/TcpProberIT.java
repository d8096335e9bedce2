package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.RawServer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TcpProber} over real loopback sockets on the node's transport (native epoll where available): each outcome
 * classified, nothing written, the socket closed at once, the result delivered on the prober's context.
 */
class TcpProberIT {

  private static final String HOST = "127.0.0.1";
  private static final Duration TIMEOUT = Duration.ofMillis(300);

  private static Vertx vertx;
  private static Context context;
  private static TcpProber prober;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
    context = vertx.getOrCreateContext();
    CompletableFuture<TcpProber> made = new CompletableFuture<>();
    context.runOnContext(v -> made.complete(new TcpProber(context)));
    prober = made.join();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  /** Runs one probe from the prober's context; the result and whether it came back on that context. */
  private record Outcome(ProbeResult result, boolean onContext) {}

  private static Outcome probe(String host, int port, Duration timeout) {
    CompletableFuture<Outcome> out = new CompletableFuture<>();
    context.runOnContext(v -> prober.probe(new Backend(host, port), timeout).onComplete(ar ->
        out.complete(new Outcome(ar.succeeded() ? ar.result() : null, Vertx.currentContext() == context))));
    return out.orTimeout(10, TimeUnit.SECONDS).join();
  }

  @Test
  void acceptedConnectIsSuccessClosedAtOnceWithNothingWritten() throws Exception {
    try (RawServer backend = RawServer.capture(HOST)) {
      Outcome o = probe(HOST, backend.port(), TIMEOUT);
      assertThat(o.result()).isEqualTo(ProbeResult.SUCCESS);
      assertThat(o.onContext()).as("completed on the caller's context").isTrue();
      Await.until("the probe's connection ended", () -> backend.connections().size() == 1
          && backend.connections().get(0).eof());
      assertThat(backend.connections().get(0).size()).as("bytes the probe wrote").isZero();
    }
  }

  @Test
  void closedPortIsRefused() throws Exception {
    Outcome o = probe(HOST, RawServer.refusedPort(HOST), TIMEOUT);
    assertThat(o.result()).isEqualTo(ProbeResult.REFUSED);
    assertThat(o.onContext()).isTrue();
  }

  /**
   * A listener whose accept queue is full drops further handshakes (Linux: the SYN is ignored, not refused), so the
   * probe sees no answer at all: the one timeout a loopback test can produce without a routing trick.
   */
  @Test
  void fullBacklogIsTimeout() throws Exception {
    List<Socket> fillers = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket()) {
      silent.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0), 1); // never accepts
      fillQueue(silent, fillers);
      Outcome o = probe(HOST, silent.getLocalPort(), TIMEOUT);
      assertThat(o.result()).isEqualTo(ProbeResult.TIMEOUT);
      assertThat(o.onContext()).isTrue();
    } finally {
      for (Socket s : fillers) {
        s.close();
      }
    }
  }

  /** Connects until a connect no longer completes: the accept queue is then full. */
  private static void fillQueue(ServerSocket silent, List<Socket> fillers) throws Exception {
    for (int i = 0; i < 16; i++) {
      Socket s = new Socket();
      fillers.add(s);
      try {
        s.connect(silent.getLocalSocketAddress(), 200);
      } catch (java.net.SocketTimeoutException full) {
        return;
      }
    }
    throw new AssertionError("the accept queue of a backlog-1 listener never filled");
  }

  @Test
  void unresolvableNameIsError() {
    Outcome o = probe("backend.invalid", 443, TIMEOUT);
    assertThat(o.result()).isEqualTo(ProbeResult.ERROR);
    assertThat(o.onContext()).isTrue();
  }

  @Test
  void manyProbesLeaveNoSocketOpenOnTheBackend() throws Exception {
    try (RawServer backend = RawServer.capture(HOST)) {
      for (int i = 0; i < 50; i++) {
        assertThat(probe(HOST, backend.port(), TIMEOUT).result()).isEqualTo(ProbeResult.SUCCESS);
      }
      Await.until("all 50 probe connections ended", () -> backend.connections().size() == 50
          && backend.connections().stream().allMatch(RawServer.Recorded::eof));
    }
  }
}
