package dev.ghost.ingress.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;

/**
 * A long-lived TLS session carrying data both ways: a JDK {@link SSLSocket} client with SNI whose pump thread
 * writes 4 KiB records and reads them back from an echoing TLS backend ({@link TlsStreamBackend}), over and over,
 * until told to finish (for step-by-step exchanges, see {@link TlsStreamBackend.Session}). Tests
 * let something happen to the ingress in between (a drain, a reload, a SIGTERM) and check that round trips went on
 * ({@link #awaitMoreRoundTrips}) and the session ended cleanly ({@link #finish}), or that it was cut
 * ({@link #awaitCut}).
 */
public final class StreamingTlsSession implements AutoCloseable {

  private static final int CHUNK = 4096;

  private final SSLSocket socket;
  private final long gapNanos;
  private final Thread pump;
  private final AtomicLong roundTrips = new AtomicLong();
  private volatile boolean finishing;
  private volatile Throwable failure;

  private StreamingTlsSession(SSLSocket socket, Duration gap) {
    this.socket = socket;
    this.gapNanos = gap.toNanos();
    this.pump = new Thread(this::pump, "streaming-tls-session");
    pump.setDaemon(true);
  }

  /** Connects with TLS 1.3 and SNI {@code sni}, completes one round trip, then keeps pumping in the background. */
  public static StreamingTlsSession open(String host, int port, String sni) throws IOException {
    return open(host, port, sni, Duration.ZERO);
  }

  /**
   * Like {@link #open(String, int, String)}, with {@code gap} between round trips: a fleet test's sessions keep
   * streaming without taking the cores its members need for their heartbeats (ten unpaced sessions saturate two
   * cores).
   */
  public static StreamingTlsSession open(String host, int port, String sni, Duration gap) throws IOException {
    StreamingTlsSession session = new StreamingTlsSession(TestTls.connect(host, port, sni, "TLSv1.3"), gap);
    session.roundTrip();
    session.pump.start();
    return session;
  }

  private void pump() {
    try {
      while (!finishing) {
        roundTrip();
        if (gapNanos > 0) {
          LockSupport.parkNanos(gapNanos);
        }
      }
    } catch (IOException | RuntimeException | AssertionError e) {
      failure = e; // the socket is closed only after the pump stopped, so this is never our own close
    }
  }

  private void roundTrip() throws IOException {
    byte[] out = new byte[CHUNK];
    ThreadLocalRandom.current().nextBytes(out);
    OutputStream os = socket.getOutputStream();
    os.write(out);
    os.flush();
    byte[] in = new byte[CHUNK];
    InputStream is = socket.getInputStream();
    int n = 0;
    while (n < CHUNK) {
      int r = is.read(in, n, CHUNK - n);
      if (r < 0) {
        throw new IOException("end of stream after " + n + " of " + CHUNK + " echoed bytes");
      }
      n += r;
    }
    if (!Arrays.equals(out, in)) {
      throw new AssertionError("the echo differs from what was sent");
    }
    roundTrips.incrementAndGet();
  }

  /** Completed round trips so far. */
  public long roundTrips() {
    return roundTrips.get();
  }

  /** What ended the pump, or null while it runs (or after a clean finish). */
  public Throwable failure() {
    return failure;
  }

  /** Waits until {@code n} more round trips completed; fails at once if the session breaks meanwhile. */
  public void awaitMoreRoundTrips(String when, long n) {
    long target = roundTrips.get() + n;
    Await.until(n + " more round trips " + when, Duration.ofSeconds(10), () -> {
      if (failure != null) {
        throw new AssertionError("the session broke " + when, failure);
      }
      return roundTrips.get() >= target;
    }, () -> roundTrips.get() + " of " + target + " round trips");
  }

  /** Waits until the session is cut (the ingress closed it), failing after {@code timeout}. */
  public void awaitCut(Duration timeout) {
    Await.until("the session to be cut", timeout, () -> failure != null,
        () -> roundTrips.get() + " round trips, still running");
  }

  /**
   * Stops pumping after the round trip in flight, checks that nothing broke, then closes the session properly
   * (TLS close_notify, then FIN).
   */
  /** Closes every session, as a test's clean-up does: a session that fails to close has nothing left to do. */
  public static void closeAll(List<StreamingTlsSession> sessions) {
    for (StreamingTlsSession s : sessions) {
      try {
        s.close();
      } catch (IOException e) {
        // closing a test client: nothing to do
      }
    }
  }

  /**
   * Finishes every session and prints how many of them dropped ({@code label} says which sessions, {@code test} who
   * asks); returns each dropped session's failure, for the caller to assert empty.
   */
  public static List<String> finishAll(List<StreamingTlsSession> sessions, String test, String label) {
    List<String> dropped = new ArrayList<>();
    for (StreamingTlsSession s : sessions) {
      try {
        s.finish();
      } catch (Exception | AssertionError e) {
        dropped.add(String.valueOf(e));
      }
    }
    System.out.println("[" + test + "] " + label + ": " + sessions.size() + ", dropped " + dropped.size()
        + "; round trips " + sessions.stream().mapToLong(StreamingTlsSession::roundTrips).sum());
    return dropped;
  }

  public void finish() throws Exception {
    finishing = true;
    pump.join(Duration.ofSeconds(10).toMillis());
    if (failure != null) {
      throw new AssertionError("the session broke before it finished", failure);
    }
    socket.close();
  }

  @Override
  public void close() throws IOException {
    finishing = true;
    socket.close();
  }
}
