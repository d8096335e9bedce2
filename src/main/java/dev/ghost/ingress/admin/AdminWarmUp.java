package dev.ghost.ingress.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request to the admin server's own {@code /healthz} before the node says it is ready. The first request an
 * HTTP server answers runs its codec, router and JSON code for the first time (a 120–230 ms stall of its event loop
 * on a fresh JVM, with or without the AppCDS archive: bench/RESULTS.md); made here, that cost is the start's, not
 * the first health check's or scrape's, and not a connection's that shares the loop. Sent from a worker thread over
 * a plain blocking socket (no HTTP client loaded for it), bounded by {@link #TIMEOUT}; a failure only means the
 * server stays cold, so it is logged at DEBUG and never fails the start.
 */
final class AdminWarmUp {

  /** The most the start waits for the answer (connect, then read). */
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger(AdminWarmUp.class);
  private static final byte[] REQUEST =
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private AdminWarmUp() {}

  /** Asks the server bound on {@code host} (a wildcard: its loopback) and {@code port}; the status, or -1. */
  static Future<Integer> warm(Vertx vertx, String host, int port) {
    return vertx.executeBlocking(() -> status(host, port), false);
  }

  static int status(String host, int port) {
    try (Socket s = new Socket()) {
      int timeoutMs = (int) TIMEOUT.toMillis();
      s.connect(new InetSocketAddress(target(host), port), timeoutMs);
      s.setSoTimeout(timeoutMs);
      OutputStream out = s.getOutputStream();
      out.write(REQUEST);
      out.flush();
      return statusCode(s.getInputStream());
    } catch (IOException | RuntimeException e) {
      LOG.atDebug().addKeyValue("cause", String.valueOf(e)).log("admin warm-up request failed");
      return -1;
    }
  }

  /** The address to connect to: the bound one, or for a wildcard the loopback of its family. */
  static InetAddress target(String host) throws IOException {
    InetAddress bound = InetAddress.getByName(host);
    if (!bound.isAnyLocalAddress()) {
      return bound;
    }
    return InetAddress.getByName(bound instanceof Inet6Address ? "::1" : "127.0.0.1");
  }

  /** The code of an HTTP/1.x status line ("HTTP/1.1 200 OK"), read until its end; -1 for anything else. */
  static int statusCode(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != -1 && b != '\n' && line.length() < 128; b = in.read()) {
      line.append((char) b);
    }
    String[] parts = line.toString().trim().split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      return -1;
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
