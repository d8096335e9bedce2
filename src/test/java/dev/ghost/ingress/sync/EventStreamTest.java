package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stream's silence rule over a real loopback HTTP connection: a control plane that sends nothing for the
 * silence limit ends the stream ({@code stream_silent}), but lines it sent while this node was not running (a
 * stalled or frozen event loop) are read and count as liveness: the stream stays open.
 */
class EventStreamTest {

  private static final Duration SILENCE = Duration.ofMillis(400);
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  Vertx server;
  Vertx node;
  Context nodeContext;
  final CompletableFuture<HttpServerResponse> feed = new CompletableFuture<>();
  final List<Long> received = new CopyOnWriteArrayList<>();
  EventStream stream;

  @BeforeEach
  void open() throws Exception {
    server = Vertx.vertx();
    HttpServer http = server.createHttpServer().requestHandler(req -> {
      HttpServerResponse resp = req.response().setChunked(true).putHeader("content-type", "application/x-ndjson");
      resp.writeHead();
      feed.complete(resp);
    }).listen(0, "127.0.0.1").await();
    // one event loop: the connection and the stream's timer share it, as they do in the node's sync
    node = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    nodeContext = node.getOrCreateContext();
    CompletableFuture<EventStream> opened = new CompletableFuture<>();
    nodeContext.runOnContext(v -> {
      HttpClient client = node.createHttpClient();
      client.request(HttpMethod.GET, http.actualPort(), "127.0.0.1", "/stream").compose(req -> req.send())
          .onSuccess(resp -> opened.complete(new EventStream(node, resp,
              (event, settle) -> {
                received.add(event.eventId());
                settle.run();
              }, SILENCE)))
          .onFailure(opened::completeExceptionally);
    });
    stream = opened.get(10, TimeUnit.SECONDS);
    feed.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() {
    node.close().await();
    server.close().await();
  }

  /** Writes one event line from the control plane's side. */
  void send(long eventId) throws Exception {
    HttpServerResponse resp = feed.get();
    CompletableFuture<Void> written = new CompletableFuture<>();
    server.getOrCreateContext().runOnContext(v -> resp.write("{\"seq\":" + eventId + ",\"type\":\"x.unknown\","
        + "\"payload\":{}}\n").onComplete(ar -> written.complete(null)));
    written.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aControlPlaneSilentPastTheLimitEndsTheStream() {
    Await.until("the silent stream ended", DEADLINE, () -> stream.ended().isComplete());
    assertThat(stream.ended().cause()).isInstanceOfSatisfying(SyncException.class,
        e -> assertThat(e.failure()).isEqualTo(SyncFailure.STREAM_SILENT));
  }

  @Test
  void linesSentWhileTheNodeStalledCountAsLivenessAndAreRead() throws Exception {
    long start = System.nanoTime();
    CompletableFuture<Void> stalled = new CompletableFuture<>();
    nodeContext.runOnContext(v -> {
      try {
        // the node's event loop stops (a freeze, a long GC) while the control plane keeps sending
        send(1);
        Await.until("the node stalled past the silence limit", DEADLINE,
            () -> System.nanoTime() - start > 3 * SILENCE.toNanos());
        stalled.complete(null);
      } catch (Exception e) {
        stalled.completeExceptionally(e);
      }
    });
    stalled.get(30, TimeUnit.SECONDS);
    Await.until("the line sent during the stall read", DEADLINE, () -> received.contains(1L),
        () -> "received " + received + ", ended " + stream.ended().cause());
    send(2);
    Await.until("a later line read: the stream stayed open", DEADLINE, () -> received.contains(2L),
        () -> "received " + received + ", ended " + stream.ended().cause());
    assertThat(stream.ended().isComplete()).as("ended: %s", stream.ended().cause()).isFalse();
  }
}
