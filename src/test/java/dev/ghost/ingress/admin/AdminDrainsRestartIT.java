package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RecordingTcpBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin drains outlive a restart: the drain state is written beside the state file and merged back at start, so a
 * node restarted with no peer to tell it (a whole-fleet restart) still keeps new connections off a drained backend,
 * and a later undrain is not undone by an older drain. An unreadable file is ignored and counted.
 */
class AdminDrainsRestartIT {

  @TempDir
  Path dir;
  Vertx vertx;
  RecordingTcpBackend a;
  RecordingTcpBackend b;
  TestNode node;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    a = RecordingTcpBackend.start(vertx, "::1");
    b = RecordingTcpBackend.start(vertx, "::1");
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    vertx.close().await();
  }

  private TestNode.Spec spec() {
    return new TestNode.Spec().ipv6("::1").withoutProbes().set("state.file", dir.resolve("state.json").toString())
        .route(RouteJson.tls("myapp", TestTls.MYAPP, a.address(), b.address()));
  }

  private Path drainsFile() {
    return dir.resolve("state-drains.json");
  }

  @Test
  void aDrainSurvivesARestartAndSoDoesTheUndrainAfterIt() throws Exception {
    node = TestNode.start(spec());
    assertThat(post("/v1/backends/drain", a.address()).statusCode()).isEqualTo(200);
    Await.until("the drain on disk", () -> read(drainsFile()).contains("\"drained\":true"), () -> read(drainsFile()));
    node.close();

    node = TestNode.start(spec());
    assertThat(Probe.backendState(node, "myapp", a.address())).isEqualTo("drained");
    assertThat(Probe.counter(node, MetricNames.DRAINS_FILE_LOADS, "outcome", "ok")).isEqualTo(1.0);
    int a0 = a.accepted();
    int b0 = b.accepted();
    for (int i = 0; i < 4; i++) {
      connectOnce();
    }
    assertThat(a.accepted() - a0).isZero();
    assertThat(b.accepted() - b0).isEqualTo(4);

    assertThat(post("/v1/backends/undrain", a.address()).statusCode()).isEqualTo(200);
    Await.until("the undrain on disk", () -> read(drainsFile()).contains("\"drained\":false"),
        () -> read(drainsFile()));
    node.close();

    node = TestNode.start(spec());
    assertThat(Probe.backendState(node, "myapp", a.address())).isEqualTo("eligible");
  }

  @Test
  void anUnreadableDrainsFileIsIgnoredAndCounted() throws Exception {
    Files.writeString(drainsFile(), "{\"node_id\": \"x\", \"entries\": [");
    node = TestNode.start(spec());
    assertThat(Probe.counter(node, MetricNames.DRAINS_FILE_LOADS, "outcome", "corrupt")).isEqualTo(1.0);
    assertThat(Probe.backendState(node, "myapp", a.address())).isEqualTo("eligible");
    assertThat(post("/v1/backends/drain", a.address()).statusCode()).isEqualTo(200);
    Await.until("a good file replaces the bad one",
        () -> read(drainsFile()).contains("\"drained\":true") && isJson(read(drainsFile())), () -> read(drainsFile()));
  }

  private void connectOnce() throws Exception {
    int before = a.accepted() + b.accepted();
    try (Socket s = Wire.connect("::1", node.port("::1", 443))) {
      Wire.send(s, ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3"));
      Await.until("the connection reached a backend", () -> a.accepted() + b.accepted() == before + 1);
    }
  }

  private HttpResponse<String> post(String path, String backend) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.admin(path))).timeout(Duration.ofSeconds(10))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("backend", backend).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static boolean isJson(String text) {
    try {
      new JsonObject(text);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
