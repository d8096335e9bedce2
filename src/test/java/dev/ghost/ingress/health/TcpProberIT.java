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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;
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

  /**
   * A probe's channel is closed as a task of its own after the connect completed. Closed from inside the connect
   * listener, Netty still holds the connect promise and fails it with a new ClosedChannelException: a stack trace
   * filled per probe on the event loop, thrown away. Seen here as the JDK records it: JFR's exception event for
   * every Throwable made on the prober's loop while 50 probes succeed, each connection ended at the backend. A
   * marker exception made on that loop afterwards bounds the wait: once the recording shows it, it has shown
   * everything that thread made before it. Every Netty close makes one {@value #STACKLESS} (its stack trace never
   * filled): that one is the price of any close, not of closing too early.
   */
  @Test
  void aProbeClosesItsChannelWithoutMakingAnException() throws Exception {
    long loopThread = onContext(() -> Thread.currentThread().getId());
    Map<String, Integer> madeOnLoop = new ConcurrentHashMap<>();
    Map<String, String> whereMade = new ConcurrentHashMap<>();
    try (RecordingStream recording = new RecordingStream(); RawServer backend = RawServer.capture(HOST)) {
      recording.enable("jdk.JavaExceptionThrow").withStackTrace();
      recording.onEvent("jdk.JavaExceptionThrow", e -> {
        RecordedThread thread = e.getThread();
        if (thread != null && thread.getJavaThreadId() == loopThread) {
          String name = e.getClass("thrownClass").getName();
          madeOnLoop.merge(name, 1, Integer::sum);
          whereMade.computeIfAbsent(name, n -> frames(e.getStackTrace()));
        }
      });
      // one probe before the recording: what a first use loads and links once is not what a probe costs
      assertThat(probe(HOST, backend.port(), TIMEOUT).result()).isEqualTo(ProbeResult.SUCCESS);
      recording.startAsync();
      for (int i = 0; i < 50; i++) {
        assertThat(probe(HOST, backend.port(), TIMEOUT).result()).isEqualTo(ProbeResult.SUCCESS);
      }
      Await.until("all 51 probe connections ended", () -> backend.connections().size() == 51
          && backend.connections().stream().allMatch(RawServer.Recorded::eof));
      onContext(ProbesDone::new);
      Await.until("the recording showed the marker", () -> madeOnLoop.containsKey(ProbesDone.class.getName()),
          madeOnLoop::toString);
    }
    madeOnLoop.remove(ProbesDone.class.getName());
    madeOnLoop.remove(STACKLESS);
    whereMade.keySet().retainAll(madeOnLoop.keySet());
    assertThat(madeOnLoop).as("exceptions made on the prober's event loop by 50 probes, where: %s", whereMade)
        .isEmpty();
  }

  /** What Netty's {@code AbstractUnsafe.close} makes at every close, without a stack trace. */
  private static final String STACKLESS = "io.netty.channel.StacklessClosedChannelException";

  /** The top frames of {@code trace}, for a failure message. */
  private static String frames(RecordedStackTrace trace) {
    if (trace == null) {
      return "?";
    }
    return trace.getFrames().stream().limit(12).map(f -> f.getMethod().getType().getName() + "."
        + f.getMethod().getName() + ":" + f.getLineNumber()).collect(Collectors.joining(" < "));
  }

  /** The marker: made (never thrown) on the prober's loop once the probes are done. */
  private static final class ProbesDone extends RuntimeException {
    ProbesDone() {
      super("probes done", null, false, false);
    }
  }

  /** {@code action}'s result, computed on the prober's context. */
  private static <T> T onContext(java.util.function.Supplier<T> action) {
    CompletableFuture<T> out = new CompletableFuture<>();
    context.runOnContext(v -> out.complete(action.get()));
    return out.orTimeout(10, TimeUnit.SECONDS).join();
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
