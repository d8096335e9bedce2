package dev.ghost.ingress.devcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The misbehaving dev control plane: every chaos knob does what it says, and stops when reset. */
class DevChaosIT {

  static final String V1 = "/v1/orgs/" + DevControlPlaneIT.ORG;

  @TempDir
  Path dir;
  Vertx vertx;
  WebClient web;
  HttpClient http;
  DevControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
    http = vertx.createHttpClient();
    Path file = dir.resolve("state.toml");
    Files.writeString(file, DevControlPlaneIT.STATE);
    cp = DevControlPlane.start(vertx, new DevControlPlane.Options().stateFile(file).scan(Duration.ofMillis(20)))
        .await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private Future<HttpResponse<Buffer>> request(String path) {
    return web.get(cp.port(), "127.0.0.1", path).putHeader("Authorization", "Bearer " + DevControlPlaneIT.TOKEN)
        .send();
  }

  private HttpResponse<Buffer> get(String path) {
    return request(path).await();
  }

  private HttpClientResponse openStream(List<JsonObject> lines) {
    return openStream(lines, new AtomicBoolean());
  }

  /** Handlers are set on the event loop as the response arrives, so no line is missed. */
  private HttpClientResponse openStream(List<JsonObject> lines, AtomicBoolean ended) {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setPort(cp.port())
            .setHost("127.0.0.1").setURI(V1 + "/events/stream?poll_ms=50")
            .putHeader("Authorization", "Bearer " + DevControlPlaneIT.TOKEN))
        .compose(req -> req.send().map(resp -> {
          resp.handler(RecordParser.newDelimited("\n", b -> lines.add(new JsonObject(b))));
          resp.exceptionHandler(e -> ended.set(true));
          resp.endHandler(v -> ended.set(true));
          return resp;
        })).await();
  }

  @Test
  void failNextAnswersRetryableProblems() {
    cp.chaos().failNext(2);
    for (int i = 0; i < 2; i++) {
      HttpResponse<Buffer> r = get(V1 + "/events");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.getHeader("content-type")).isEqualTo("application/problem+json");
      assertThat(r.bodyAsJsonObject().getBoolean("retryable")).isTrue();
    }
    assertThat(get(V1 + "/events").statusCode()).isEqualTo(200);
    cp.chaos().failStatus(500).failNext(1);
    assertThat(get("/healthz").statusCode()).isEqualTo(500);
  }

  @Test
  void failEveryNthRequest() {
    cp.chaos().failEvery(3);
    long failed = java.util.stream.IntStream.range(0, 9).map(i -> get(V1 + "/events").statusCode())
        .filter(s -> s == 503).count();
    assertThat(failed).isEqualTo(3);
    cp.chaos().reset();
    assertThat(get(V1 + "/events").statusCode()).isEqualTo(200);
  }

  @Test
  void garbageBodies() {
    cp.chaos().garbageNext(1);
    HttpResponse<Buffer> r = get(V1 + "/events");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThatThrownBy(r::bodyAsJsonObject).isInstanceOf(DecodeException.class);
    assertThat(get(V1 + "/events").bodyAsJsonObject().containsKey("items")).isTrue();
  }

  @Test
  void latencyDelaysResponses() {
    cp.chaos().latency(Duration.ofMillis(300));
    long t0 = System.nanoTime();
    assertThat(get(V1 + "/events").statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void streamsAreDroppedMidStream() {
    cp.chaos().dropStreamsAfter(2);
    List<JsonObject> lines = new CopyOnWriteArrayList<>();
    AtomicBoolean broken = new AtomicBoolean();
    openStream(lines, broken);
    Await.until("stream cut", broken::get, lines::toString);
    assertThat(lines).hasSize(2);
  }

  @Test
  void silentStreamsSendNothing() {
    cp.chaos().silentStreams(true);
    List<JsonObject> silent = new CopyOnWriteArrayList<>();
    HttpClientResponse resp = openStream(silent);
    assertThat(resp.statusCode()).isEqualTo(200);
    cp.chaos().silentStreams(false);
    List<JsonObject> normal = new CopyOnWriteArrayList<>();
    openStream(normal);
    long last = cp.lastEventId();
    cp.edit(s -> s.withoutInstance("inst_3"));
    Await.until("a normal stream sees the edit", () -> !normal.isEmpty()
        && normal.get(normal.size() - 1).getLong("seq") > last);
    assertThat(silent).isEmpty();
  }

  @Test
  void heldEventsAreCommittedOutOfOrder() {
    cp.chaos().holdNextEvents(1);
    long last = cp.lastEventId();
    long held = cp.edit(s -> s.withoutInstance("inst_3")).get(0).eventId();
    long visible = cp.edit(s -> s.withoutInstance("inst_2")).get(0).eventId();
    JsonObject page = get(V1 + "/events?after_event_id=" + last).bodyAsJsonObject();
    assertThat(page.getJsonArray("items")).extracting(o -> ((JsonObject) o).getLong("event_id"))
        .containsExactly(visible);
    assertThat(page.getLong("next_after_event_id")).isEqualTo(visible);
    cp.chaos().releaseHeld();
    assertThat(get(V1 + "/events?after_event_id=" + last).bodyAsJsonObject().getJsonArray("items"))
        .extracting(o -> ((JsonObject) o).getLong("event_id")).containsExactly(held, visible);
  }

  @Test
  void pauseHangsRequestsUntilResumed() {
    cp.pause(DevControlPlane.PauseMode.HANG).await();
    Future<HttpResponse<Buffer>> pending = request(V1 + "/events");
    assertThatThrownBy(() -> web.get(cp.port(), "127.0.0.1", "/healthz").timeout(300).send().await())
        .hasMessageContaining("timeout");
    assertThat(pending.isComplete()).isFalse();
    cp.resume().await();
    assertThat(pending.await().statusCode()).isEqualTo(200);
  }

  @Test
  void pauseRefusesConnectionsUntilResumed() {
    int port = cp.port();
    cp.pause(DevControlPlane.PauseMode.REFUSE).await();
    assertThatThrownBy(() -> get("/healthz")).hasMessageContaining("onnection refused");
    cp.resume().await();
    assertThat(cp.port()).isEqualTo(port);
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }
}
