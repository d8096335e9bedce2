package dev.ghost.ingress.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real nginx, run as a child process, that reads a PROXY protocol header and terminates TLS, and answers every
 * request with {@code client=$proxy_protocol_addr:$proxy_protocol_port server=$server_name}: a backend whose PROXY
 * parsing is not our code.
 *
 * <p>Everything lives in a temporary directory (config, pid, logs, temp paths), so no root and no system nginx
 * set-up is needed. nginx cannot listen on port 0, so a free port is found by binding and closing a socket, and the
 * start is retried on a new port if nginx then loses the race for it.
 */
public final class NginxBackend implements AutoCloseable {

  private static final int START_ATTEMPTS = 5;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

  private final Process process;
  private final Path dir;
  private final int port;
  private final boolean ipv6;
  private final String serverName;

  private NginxBackend(Process process, Path dir, int port, boolean ipv6, String serverName) {
    this.process = process;
    this.dir = dir;
    this.port = port;
    this.ipv6 = ipv6;
    this.serverName = serverName;
  }

  /**
   * Starts nginx on {@code 127.0.0.1} and, when the host has IPv6 loopback, {@code [::1]}, on the same port, with
   * the test certificate of {@code certHost} (see {@link TestTls}) and {@code server_name serverName}.
   */
  public static NginxBackend start(String serverName, String certHost) throws IOException {
    Path nginx = Tools.require("nginx");
    boolean ipv6 = hasIpv6Loopback();
    Path dir = Files.createTempDirectory("ghost-nginx-");
    IOException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      int port = freePort(ipv6);
      Files.writeString(dir.resolve("nginx.conf"), config(dir, port, ipv6, serverName, certHost));
      Files.deleteIfExists(dir.resolve("error.log"));
      Process process = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf")
          .toString(), "-e", dir.resolve("error.log").toString())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("stdout.log").toFile())
          .start();
      NginxBackend backend = new NginxBackend(process, dir, port, ipv6, serverName);
      try {
        if (backend.awaitListening()) {
          return backend;
        }
        last = new IOException("nginx lost port " + port + " to another process: " + backend.errorLog());
      } catch (IOException | RuntimeException e) {
        backend.stopProcess();
        deleteRecursively(dir);
        throw e;
      }
      backend.stopProcess();
    }
    deleteRecursively(dir);
    throw last;
  }

  /** The port nginx listens on, on 127.0.0.1 and (if {@link #hasIpv6()}) ::1. */
  public int port() {
    return port;
  }

  /** True when nginx also listens on {@code [::1]}. */
  public boolean hasIpv6() {
    return ipv6;
  }

  public String serverName() {
    return serverName;
  }

  /** {@code 127.0.0.1:port}. */
  public InetSocketAddress ipv4Address() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  /** {@code [::1]:port}; only meaningful when {@link #hasIpv6()}. */
  public InetSocketAddress ipv6Address() {
    return new InetSocketAddress("::1", port);
  }

  /** The content of nginx's error log so far, for failure messages. */
  public String errorLog() {
    try {
      Path log = dir.resolve("error.log");
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(error log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    stopProcess();
    deleteRecursively(dir);
  }

  /**
   * Polls until nginx accepts on every address (true) or reports that a port was taken (false); throws if nginx
   * dies for another reason or the deadline passes.
   */
  private boolean awaitListening() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String log = errorLog();
      if (log.contains("Address already in use")) {
        return false;
      }
      if (!process.isAlive()) {
        throw new IOException("nginx exited with " + process.exitValue() + ": " + log + stdout());
      }
      // A bind() failure is logged at once, so a clean log plus a connect is nginx itself listening.
      if (accepts("127.0.0.1") && (!ipv6 || accepts("::1")) && !errorLog().contains("bind()")) {
        return true;
      }
      try {
        process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for nginx", e);
      }
    }
    throw new IOException("nginx did not listen on port " + port + " within " + START_TIMEOUT + ": " + errorLog());
  }

  private boolean accepts(String host) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) POLL_INTERVAL.toMillis() * 5);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String stdout() {
    try {
      return Files.readString(dir.resolve("stdout.log"));
    } catch (IOException e) {
      return "";
    }
  }

  private void stopProcess() {
    // With master_process off, SIGTERM ends the single nginx process at once.
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String config(Path dir, int port, boolean ipv6, String serverName, String certHost) {
    List<String> listens = new ArrayList<>();
    listens.add("    listen 127.0.0.1:" + port + " ssl proxy_protocol;");
    if (ipv6) {
      listens.add("    listen [::1]:" + port + " ssl proxy_protocol;");
    }
    return String.join("\n",
        "daemon off;",
        "master_process off;",
        "worker_processes 1;",
        "pid " + dir.resolve("nginx.pid") + ";",
        "error_log " + dir.resolve("error.log") + " notice;",
        "events { worker_connections 512; }",
        "http {",
        "  access_log " + dir.resolve("access.log") + ";",
        "  client_body_temp_path " + dir.resolve("client_body") + ";",
        "  proxy_temp_path " + dir.resolve("proxy") + ";",
        "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
        "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
        "  scgi_temp_path " + dir.resolve("scgi") + ";",
        "  server {",
        String.join("\n", listens),
        "    server_name " + serverName + ";",
        "    ssl_certificate " + TestTls.certPath(certHost) + ";",
        "    ssl_certificate_key " + TestTls.keyPath(certHost) + ";",
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        "    location / {",
        "      default_type text/plain;",
        "      return 200 \"client=$proxy_protocol_addr:$proxy_protocol_port server=$server_name\\n\";",
        "    }",
        "  }",
        "}",
        "");
  }

  /** A port free on 127.0.0.1 (and ::1) right now; the caller must cope with losing it before it binds. */
  private static int freePort(boolean ipv6) throws IOException {
    for (int i = 0; i < 20; i++) {
      try (ServerSocket v4 = new ServerSocket()) {
        v4.bind(new InetSocketAddress("127.0.0.1", 0));
        int port = v4.getLocalPort();
        if (!ipv6) {
          return port;
        }
        try (ServerSocket v6 = new ServerSocket()) {
          v6.bind(new InetSocketAddress("::1", port));
          return port;
        } catch (IOException takenOnV6) {
          // try another
        }
      }
    }
    throw new IOException("no port free on both 127.0.0.1 and ::1");
  }

  /** True when a socket can bind {@code [::1]} (IPv6 may be disabled in some containers). */
  public static boolean hasIpv6Loopback() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("::1", 0));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // A leftover temp dir is not worth failing a test over.
    }
  }
}
