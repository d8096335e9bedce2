package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backpressure both ways: a side that stops reading stalls the writer on the other side after a bounded amount
 * (socket buffers and the write-queue high-water mark), and every byte arrives once it reads again. Run with both
 * relays: splice (native epoll) and buffered (NIO).
 */
class BackpressureIT {

  static final int PORT = 7900;
  static final long TOTAL = 128L << 20;
  static final long BOUND = 48L << 20;
  static final int CHUNK = 1 << 20;

  @ParameterizedTest(name = "relay={0}")
  @ValueSource(strings = {Relays.SPLICE, Relays.BUFFERED})
  void aClientThatStopsReadingStallsTheBackendAndLosesNothing(String relay) throws Exception {
    AtomicLong written = new AtomicLong();
    try (RawServer backend = RawServer.start("::1", s -> writeAll(s.getOutputStream(), written));
         TestNode node = TestNode.start(new TestNode.Spec().ipv6("::1").set(Relays.SETTING, Relays.nativeTransport(relay))
             .route(RouteJson.raw("down", PORT, backend.backend())));
         Socket client = Clients.connect("::1", node.port("::1", PORT))) {
      awaitStall(written);
      assertThat(written.get()).as("bytes the backend got rid of while the client read nothing").isLessThan(BOUND);
      assertThat(drain(client.getInputStream())).isEqualTo(TOTAL);
      Relays.assertOnlyUsed(node, relay);
    }
  }

  @ParameterizedTest(name = "relay={0}")
  @ValueSource(strings = {Relays.SPLICE, Relays.BUFFERED})
  void aBackendThatStopsReadingStallsTheClientAndLosesNothing(String relay) throws Exception {
    CompletableFuture<Socket> accepted = new CompletableFuture<>();
    AtomicLong written = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    // The backend's handler only hands the socket over; nobody reads it until the test does
    try (RawServer backend = RawServer.start("::1", s -> {
           accepted.complete(s);
           done.await();
         });
         TestNode node = TestNode.start(new TestNode.Spec().ipv6("::1").set(Relays.SETTING, Relays.nativeTransport(relay))
             .route(RouteJson.raw("up", PORT, backend.backend())));
         Socket client = Clients.connect("::1", node.port("::1", PORT))) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try {
          writeAll(client.getOutputStream(), written);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      awaitStall(written);
      assertThat(written.get()).as("bytes the client got rid of while the backend read nothing").isLessThan(BOUND);
      Socket server = accepted.get(10, TimeUnit.SECONDS);
      assertThat(drain(server.getInputStream())).isEqualTo(TOTAL);
      Relays.assertOnlyUsed(node, relay);
      writer.get(10, TimeUnit.SECONDS);
    } finally {
      done.countDown();
    }
  }

  /** Writes {@link #TOTAL} bytes in chunks, counting, then half-closes. */
  private static void writeAll(OutputStream out, AtomicLong written) throws Exception {
    byte[] chunk = new byte[CHUNK];
    for (long sent = 0; sent < TOTAL; sent += CHUNK) {
      out.write(chunk);
      written.addAndGet(CHUNK);
    }
    out.flush();
  }

  /** Reads until {@link #TOTAL} bytes arrived; returns the count. */
  private static long drain(InputStream in) throws Exception {
    byte[] buf = new byte[1 << 16];
    long total = 0;
    int n;
    while (total < TOTAL && (n = in.read(buf)) >= 0) {
      total += n;
    }
    return total;
  }

  /** Waits until the writer has made no progress for half a second: it is blocked on a full path. */
  private static void awaitStall(AtomicLong written) {
    long[] last = {-1};
    long[] since = {System.nanoTime()};
    Await.until("the writer to stall", () -> {
      long now = written.get();
      if (now != last[0]) {
        last[0] = now;
        since[0] = System.nanoTime();
        return false;
      }
      return now > 0 && System.nanoTime() - since[0] > 500_000_000L;
    });
  }
}
