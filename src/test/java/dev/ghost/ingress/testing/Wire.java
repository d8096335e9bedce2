package dev.ghost.ingress.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** Raw-socket helpers: connect, write in pieces, tell a FIN from a reset, and poll to a deadline (never sleep). */
public final class Wire {

  /** How the peer ended a connection, as a blocking reader sees it. */
  public enum End { FIN, RST, NONE }

  /** What a reader saw before the connection ended. */
  public record Ending(End end, byte[] bytes, long afterMillis) {}

  private Wire() {
  }

  /** A plain TCP connection with no Nagle delay and the test socket timeout. */
  public static Socket connect(String host, int port) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.setSoTimeout(TestTls.SOCKET_TIMEOUT_MILLIS);
    s.connect(new InetSocketAddress(host, port), TestTls.SOCKET_TIMEOUT_MILLIS);
    return s;
  }

  /** Writes and flushes {@code bytes}. */
  public static void send(Socket s, byte[] bytes) throws IOException {
    s.getOutputStream().write(bytes);
    s.getOutputStream().flush();
  }

  /**
   * Reads until the peer ends the connection: a FIN (read returns -1) or a reset (SocketException), collecting any
   * byte written before. {@link End#NONE} if nothing ended it within {@code timeout}.
   */
  public static Ending readToEnd(Socket s, Duration timeout) throws IOException {
    long start = System.nanoTime();
    s.setSoTimeout((int) timeout.toMillis());
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    try {
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          return new Ending(End.FIN, got.toByteArray(), elapsedMillis(start));
        }
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      return new Ending(End.NONE, got.toByteArray(), elapsedMillis(start));
    } catch (SocketException e) {
      // "Connection reset" (and "Connection reset by peer" on some JDKs)
      if (String.valueOf(e.getMessage()).contains("reset")) {
        return new Ending(End.RST, got.toByteArray(), elapsedMillis(start));
      }
      throw e;
    }
  }

  /** The peer closed with FIN without writing a single byte (no TLS alert, no HTTP error). */
  public static void assertClosedSilentlyWithFin(Socket s) throws IOException {
    Ending e = readToEnd(s, Duration.ofSeconds(5));
    assertThat(e.bytes()).as("bytes written back before the close").isEmpty();
    assertThat(e.end()).as("how the connection ended").isEqualTo(End.FIN);
  }

  /** The peer reset the connection without writing a single byte. */
  public static void assertResetSilently(Socket s) throws IOException {
    Ending e = readToEnd(s, Duration.ofSeconds(5));
    assertThat(e.bytes()).as("bytes written back before the reset").isEmpty();
    assertThat(e.end()).as("how the connection ended").isEqualTo(End.RST);
  }

  private static long elapsedMillis(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** True when a TCP connect to {@code host:port} is refused (nothing listens there: the kernel answers RST). */
  public static boolean refused(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2_000);
      return false;
    } catch (java.net.ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits until a TCP connect to {@code host:port} is refused: its listening socket is closed. */
  public static void awaitRefused(String host, int port) {
    Await.until("a new connection to " + host + " port " + port + " refused", () -> refused(host, port));
  }
}
