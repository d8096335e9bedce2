package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin server's warm-up request over real sockets: it reaches the server (through the loopback when bound to
 * a wildcard) and reports its status, and a port with nothing behind it or a server that never answers costs the
 * start at most {@link AdminWarmUp#TIMEOUT}, never a failure.
 */
class AdminWarmUpIT {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void asksTheServersOwnHealthzAndReportsItsStatus() {
    AtomicInteger asked = new AtomicInteger();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/healthz")) {
        asked.incrementAndGet();
      }
      req.response().setStatusCode(req.path().equals("/healthz") ? 200 : 404).end("{\"status\":\"ok\"}");
    }).listen(0, "127.0.0.1").await();
    assertThat(AdminWarmUp.warm(vertx, "127.0.0.1", server.actualPort()).await()).isEqualTo(200);
    assertThat(asked).hasValue(1);
  }

  @Test
  void aWildcardBindingIsAskedOnTheLoopback() {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(204).end())
        .listen(0, "0.0.0.0").await();
    assertThat(AdminWarmUp.warm(vertx, "0.0.0.0", server.actualPort()).await()).isEqualTo(204);
  }

  @Test
  void nothingListeningIsMinusOneNotAFailure() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    assertThat(AdminWarmUp.warm(vertx, "127.0.0.1", port).await()).isEqualTo(-1);
  }

  /** A server that accepts and never answers holds the start for the timeout, then lets it go. */
  @Test
  void aServerThatNeverAnswersIsGivenUpOnAfterTheTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      long t0 = System.nanoTime();
      assertThat(AdminWarmUp.warm(vertx, "127.0.0.1", silent.getLocalPort()).await()).isEqualTo(-1);
      assertThat(System.nanoTime() - t0).as("bounded by the timeout")
          .isLessThan(AdminWarmUp.TIMEOUT.toNanos() * 3);
    }
  }

  @Test
  void readsTheStatusLineOnly() throws Exception {
    assertThat(status("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")).isEqualTo(503);
    assertThat(status("HTTP/1.0 200 OK\n")).isEqualTo(200);
    assertThat(status("SSH-2.0-OpenSSH\r\n")).isEqualTo(-1);
    assertThat(status("HTTP/1.1 abc\r\n")).isEqualTo(-1);
    assertThat(status("")).isEqualTo(-1);
  }

  private static int status(String answer) throws Exception {
    return AdminWarmUp.statusCode(new ByteArrayInputStream(answer.getBytes(StandardCharsets.US_ASCII)));
  }
}
