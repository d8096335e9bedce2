package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.RecordingTcpBackend;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Admin commands end to end on an in-JVM node with two recording backends: drain / undrain over HTTP changes where
 * new connections go, mutating calls need the token, explain names the route and next backend, the admin CLI
 * prints JSON, and bad commands on the event bus get an error reply.
 */
class AdminCommandsIT {

  private static final String TOKEN = "admin-it-token";

  static Vertx vertx;
  static RecordingTcpBackend a;
  static RecordingTcpBackend b;
  static TestNode node;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    a = RecordingTcpBackend.start(vertx, "::1");
    b = RecordingTcpBackend.start(vertx, "::1");
    node = TestNode.start(new TestNode.Spec().withoutProbes().ipv6("::1").set("admin.token", TOKEN)
        .route(RouteJson.tls("myapp", TestTls.MYAPP, a.address(), b.address())));
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  private static HttpResponse<String> post(String path, String body, String token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(node.admin(path))).timeout(Duration.ofSeconds(10))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.admin(path))).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Opens n connections one after the other; returns how many each backend accepted meanwhile. */
  private static int[] connect(int n) throws Exception {
    int a0 = a.accepted();
    int b0 = b.accepted();
    for (int i = 0; i < n; i++) {
      int before = a.accepted() + b.accepted();
      try (Socket s = Wire.connect("::1", node.port("::1", 443))) {
        Wire.send(s, ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3"));
        Await.until("connection " + i + " reached a backend", () -> a.accepted() + b.accepted() == before + 1);
      }
    }
    return new int[] {a.accepted() - a0, b.accepted() - b0};
  }

  @Test
  void drainSendsNewConnectionsElsewhereAndUndrainBringsTheBackendBack() throws Exception {
    HttpResponse<String> drained = post("/v1/backends/drain", new JsonObject().put("backend", a.address()).encode(),
        TOKEN);
    assertThat(drained.statusCode()).as(drained.body()).isEqualTo(200);
    JsonObject body = new JsonObject(drained.body());
    assertThat(body.getBoolean("drained")).isTrue();
    assertThat(body.getBoolean("in_routes")).isTrue();
    assertThat(body.getJsonArray("drained_backends").getList()).containsExactly(a.address());
    // idempotent
    assertThat(new JsonObject(post("/v1/backends/drain", new JsonObject().put("backend", a.address()).encode(),
        TOKEN).body()).getBoolean("changed")).isFalse();

    assertThat(connect(4)).containsExactly(0, 4);
    JsonObject routes = new JsonObject(get("/v1/routes").body());
    assertThat(routes.getJsonArray("routes").getJsonObject(0).getJsonArray("backends").getJsonObject(0)
        .getString("state")).isEqualTo("drained");

    HttpResponse<String> undrained = post("/v1/backends/undrain",
        new JsonObject().put("backend", a.address()).encode(), TOKEN);
    assertThat(undrained.statusCode()).as(undrained.body()).isEqualTo(200);
    assertThat(connect(4)).containsExactly(2, 2);
  }

  @Test
  void mutatingCallsNeedTheTokenAndBadBodiesAreJson400() throws Exception {
    String body = new JsonObject().put("backend", a.address()).encode();
    HttpResponse<String> none = post("/v1/backends/drain", body, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(none.body()).getString("error")).isEqualTo("unauthorized");
    assertThat(post("/v1/backends/undrain", body, "wrong").statusCode()).isEqualTo(401);
    HttpResponse<String> bad = post("/v1/backends/drain", "{\"backend\":\"no-port\"}", TOKEN);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("error")).isEqualTo("bad_request");
    assertThat(post("/v1/backends/drain", "{}", TOKEN).statusCode()).isEqualTo(400);
    assertThat(new JsonObject(get("/v1/routes").body()).getJsonArray("routes").getJsonObject(0)
        .getJsonArray("backends").getJsonObject(0).getString("state")).isNotEqualTo("drained");
  }

  @Test
  void explainNamesTheRouteAndTheNextBackend() throws Exception {
    HttpResponse<String> res = get("/v1/explain?sni=" + TestTls.MYAPP + "&address=::1&port=443");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonObject e = new JsonObject(res.body());
    assertThat(e.getJsonObject("route").getString("id")).isEqualTo("myapp");
    assertThat(e.getJsonArray("backends")).hasSize(2);
    assertThat(List.of(a.address(), b.address())).contains(e.getString("next_backend"));
    HttpResponse<String> bad = get("/v1/explain?sni=x&address=not-an-ip&port=443");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("error")).isEqualTo("bad_request");
    assertThat(get("/v1/explain?address=::1").statusCode()).isEqualTo(400);
  }

  @Test
  void badCommandsOnTheBusGetAnErrorReply() {
    io.vertx.core.Vertx nodeVertx = node.node().vertx();
    String id = new JsonObject(nodeVertx.eventBus().<JsonObject>request(
        dev.ghost.ingress.observe.BusAddresses.adminNode(nodeId(), "status"), new JsonObject())
        .await().body().encode()).getString("node_id");
    assertThat(id).isEqualTo(nodeId());
    Throwable unknown = catchFailure(() -> nodeVertx.eventBus().request(
        dev.ghost.ingress.observe.BusAddresses.adminNode(nodeId()), new JsonObject().put("command", "reboot"))
        .await());
    assertThat(unknown).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) unknown).failureCode()).isEqualTo(400);
    assertThat(new JsonObject(unknown.getMessage()).getString("error")).isEqualTo("unknown_command");
    Throwable notJson = catchFailure(() -> nodeVertx.eventBus().request(
        dev.ghost.ingress.observe.BusAddresses.adminNode(nodeId(), "log-level"), "loud").await());
    assertThat(new JsonObject(notJson.getMessage()).getString("error")).isEqualTo("bad_request");
  }

  /** The views of /v1/fleet and /v1/fleet/health answer on the bus too, with the same bodies and refusals. */
  @Test
  void fleetViewsAnswerOnTheBusAsOverHttp() throws Exception {
    io.vertx.core.Vertx nodeVertx = node.node().vertx();
    JsonObject health = nodeVertx.eventBus().<JsonObject>request(
        dev.ghost.ingress.observe.BusAddresses.adminNode(nodeId(), "fleet-health"), new JsonObject()).await().body();
    assertThat(health.getJsonArray("nodes").getList()).containsExactly(nodeId());
    assertThat(health.getJsonArray("backends").size()).isEqualTo(2);
    Throwable standalone = catchFailure(() -> nodeVertx.eventBus().request(
        dev.ghost.ingress.observe.BusAddresses.adminNode(nodeId(), "fleet"), new JsonObject()).await());
    assertThat(((ReplyException) standalone).failureCode()).isEqualTo(404);
    assertThat(new JsonObject(standalone.getMessage()).getString("error")).isEqualTo("not_clustered");
    HttpResponse<String> http = get("/v1/fleet");
    assertThat(http.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(http.body())).isEqualTo(new JsonObject(standalone.getMessage()));
  }

  private static String nodeId() {
    return node.node().state().nodeId();
  }

  private static Throwable catchFailure(Runnable r) {
    try {
      r.run();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void adminCliPrintsJsonWithTheJsonFlagAndExitsTwoOnBadUsage() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    String url = "http://127.0.0.1:" + node.adminPort();
    assertThat(AdminCli.run(List.of("--url", url, "--json", "status"), o, e, null)).isZero();
    assertThat(new JsonObject(out.toString(StandardCharsets.UTF_8)).getString("node_id")).isEqualTo(nodeId());
    out.reset();
    assertThat(AdminCli.run(List.of("--json", "--url", url, "explain", TestTls.MYAPP, "::1", "443"), o, e, null))
        .isZero();
    assertThat(new JsonObject(out.toString(StandardCharsets.UTF_8)).getJsonObject("route").getString("id"))
        .isEqualTo("myapp");
    out.reset();
    assertThat(AdminCli.run(List.of("--url", url, "--token", TOKEN, "--json", "undrain", b.address()), o, e, null))
        .isZero();
    assertThat(new JsonObject(out.toString(StandardCharsets.UTF_8)).getBoolean("drained")).isFalse();
    out.reset();
    assertThat(AdminCli.run(List.of("--url", url, "--json", "drain", b.address()), o, e, null)).isEqualTo(1);
    assertThat(new JsonObject(out.toString(StandardCharsets.UTF_8)).getString("error")).isEqualTo("unauthorized");
    assertThat(AdminCli.run(List.of("--url", url, "explain", "x"), o, e, null)).isEqualTo(2);
    assertThat(AdminCli.run(List.of("frobnicate"), o, e, null)).isEqualTo(2);
    assertThat(AdminCli.run(List.of(), o, e, null)).isEqualTo(2);
    assertThat(AdminCli.run(List.of("--bogus", "status"), o, e, null)).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8).lines()).hasSize(4)
        .allMatch(l -> l.startsWith("ingress admin: "));
  }

  @Test
  void adminCliPrintsTablesByDefault() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    String url = "http://127.0.0.1:" + node.adminPort();
    assertThat(AdminCli.run(List.of("--url", url, "routes"), o, e, null)).isZero();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).anyMatch(l -> l.matches("ROUTE +HOSTNAME +PORT +PROTOCOL +PROXY +ENV +ORIGIN +OPEN +BACKEND"
        + " +STATE"));
    assertThat(lines).anyMatch(l -> l.startsWith("myapp ") && l.contains(TestTls.MYAPP));
    assertThat(lines).anyMatch(l -> l.contains(b.address()));
    out.reset();
    assertThat(AdminCli.run(List.of("--url", url, "status"), o, e, null)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("node_id: ").contains(nodeId())
        .containsPattern("(?m)^LISTENER +PORT +ERROR$");
    out.reset();
    assertThat(AdminCli.run(List.of("--url", url, "explain", TestTls.MYAPP, "::1", "443"), o, e, null)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("(?m)^route\\.id: +myapp$");
    out.reset();
    // a standalone node has no fleet: its error, readable, and exit 1
    assertThat(AdminCli.run(List.of("--url", url, "fleet"), o, e, null)).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("error: not_clustered");
  }
}
