package dev.ghost.ingress.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Plain-socket client helpers: connect with a timeout, read exactly, read to EOF, tell EOF from reset. */
public final class Clients {

  public static final int TIMEOUT_MILLIS = 10_000;

  private Clients() {}

  public static Socket connect(String host, int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
    s.setSoTimeout(TIMEOUT_MILLIS);
    return s;
  }

  /** Reads exactly {@code n} bytes or fails. */
  public static byte[] readExactly(Socket s, int n) throws IOException {
    byte[] out = s.getInputStream().readNBytes(n);
    if (out.length != n) {
      throw new AssertionError("EOF after " + out.length + " of " + n + " bytes: "
          + new String(out, StandardCharsets.ISO_8859_1));
    }
    return out;
  }

  /** Every byte until EOF (a reset fails). */
  public static byte[] readToEof(Socket s) throws IOException {
    return s.getInputStream().readAllBytes();
  }

  /** How the ingress ended a connection it refused. */
  public enum Ending { EOF, RESET }

  /**
   * Connects, optionally writes {@code first}, and expects the connection to end without a byte back. A proxy that
   * resets at once (limits, no backend) can do so before {@link Socket#connect} returns: that counts as RESET.
   */
  public static Ending connectExpectingNoData(String host, int port, byte[] first) throws IOException {
    Socket s;
    try {
      s = connect(host, port);
    } catch (SocketException e) {
      if (String.valueOf(e.getMessage()).contains("reset")) {
        return Ending.RESET;
      }
      throw e;
    }
    try (s) {
      if (first != null) {
        try {
          s.getOutputStream().write(first);
        } catch (SocketException e) {
          return Ending.RESET;
        }
      }
      return expectClosedWithoutData(s);
    }
  }

  /**
   * Reads until the connection ends and asserts no byte came first; a reset (possibly surfacing on a write)
   * counts as an ending too.
   */
  public static Ending expectClosedWithoutData(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try {
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) >= 0) {
        got.write(buf, 0, n);
      }
    } catch (SocketException e) {
      if (got.size() != 0) {
        throw new AssertionError("received " + got.size() + " bytes before the reset");
      }
      return Ending.RESET;
    }
    if (got.size() != 0) {
      throw new AssertionError("received " + got.size() + " bytes: "
          + Arrays.toString(Arrays.copyOf(got.toByteArray(), Math.min(32, got.size()))));
    }
    return Ending.EOF;
  }

  public static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
