package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.LogLevels;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node's admin HTTP API on an in-JVM node: read endpoints and their JSON shapes, JSON error bodies
 * (never a stack trace), and authorisation of mutating calls by loopback or bearer token.
 */
class AdminApiIT {

  private static final String TOKEN = "s3cret-token";

  static TestNode open;
  static TestNode guarded;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    open = TestNode.start(new TestNode.Spec()
        .ipv6("::1")
        .route(RouteJson.tls("myapp", "myapp.example.com", "[::1]:9", "127.0.0.1:9").proxyV2())
        .route(RouteJson.raw("raw", 7000, "127.0.0.1:9")));
    guarded = TestNode.start(new TestNode.Spec().ipv6("::1").set("admin.token", TOKEN));
  }

  @AfterAll
  static void stop() {
    if (open != null) {
      open.close();
    }
    if (guarded != null) {
      guarded.close();
    }
  }

  @AfterEach
  void restoreLogLevel() {
    LogLevels.apply("info");
  }

  private static HttpResponse<String> get(TestNode node, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.admin(path))).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String body, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(TestNode node, String path, String body, String authorization)
      throws Exception {
    return post(node.admin(path), body, authorization);
  }

  /** A 4xx/5xx: JSON {"error", "detail"}, no stack trace. */
  private static JsonObject assertJsonError(HttpResponse<String> res, int status, String code) {
    assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
    assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(
        ct -> assertThat(ct).startsWith("application/json"));
    assertNoStackTrace(res.body());
    JsonObject body = new JsonObject(res.body());
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "detail");
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("detail")).isNotBlank();
    return body;
  }

  private static void assertNoStackTrace(String body) {
    assertThat(body).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("at io.vertx");
  }

  @Test
  void healthz() throws Exception {
    HttpResponse<String> res = get(open, "/healthz");
    assertThat(res.statusCode()).isEqualTo(200);
  }

  @Test
  void readyzIsJson() throws Exception {
    HttpResponse<String> res = get(open, "/readyz");
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    assertThat(body.getString("status")).isEqualTo("ready");
    assertThat(body.getLong("table_version")).isNotNull();
  }

  @Test
  void metricsArePrometheusTextWithIngressAndJvmMetrics() throws Exception {
    HttpResponse<String> res = get(open, "/metrics");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct)
        .startsWith("text/plain"));
    String text = res.body();
    assertThat(text).contains("# TYPE ");
    assertThat(text.lines()).anyMatch(l -> l.startsWith("ghost_"));
    assertThat(text.lines()).as("JVM metrics").anyMatch(l -> l.startsWith("jvm_memory_used_bytes"));
    assertThat(text.lines()).anyMatch(l -> l.startsWith("jvm_threads_live_threads"));
    assertThat(text.lines()).anyMatch(l -> l.startsWith("process_cpu_usage") || l.startsWith("process_uptime"));
  }

  @Test
  void routesListVersionRoutesBackendsStateConflictsRejectedAndBindFailures() throws Exception {
    HttpResponse<String> res = get(open, "/v1/routes");
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    assertThat(body.getLong("version")).isNotNull();
    assertThat(body.getJsonArray("conflicts")).isNotNull();
    assertThat(body.getJsonArray("rejected")).isNotNull();
    assertThat(body.getJsonArray("bind_failures")).isEmpty();
    JsonArray routes = body.getJsonArray("routes");
    assertThat(routes).hasSize(2);
    JsonObject myapp = find(routes, "id", "myapp");
    assertThat(myapp.getString("hostname")).isEqualTo("myapp.example.com");
    assertThat(myapp.getInteger("port")).isEqualTo(443);
    assertThat(myapp.getString("protocol")).isEqualTo("tls_passthrough");
    assertThat(myapp.getString("proxy_protocol")).isEqualTo("v2");
    JsonArray backends = myapp.getJsonArray("backends");
    assertThat(backends).hasSize(2);
    for (int i = 0; i < backends.size(); i++) {
      JsonObject b = backends.getJsonObject(i);
      assertThat(b.getString("address")).isNotBlank();
      assertThat(b.getString("state")).isIn("eligible", "ejected");
    }
    assertThat(find(routes, "id", "raw").getString("protocol")).isEqualTo("tcp_raw");
  }

  @Test
  void statusHasNodeIdVersionAndRealBoundPorts() throws Exception {
    HttpResponse<String> res = get(open, "/v1/status");
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    assertThat(body.getString("node_id")).isNotBlank();
    assertThat(body.getString("version")).isNotBlank();
    JsonArray sockets = body.getJsonArray("bound_sockets");
    assertThat(sockets).hasSize(2);
    JsonObject tls = find(sockets, "route_port", 443);
    assertThat(tls.getString("host")).isEqualTo("::1");
    assertThat(tls.getInteger("port")).isPositive().isEqualTo(open.port("::1", 443));
    assertThat(find(sockets, "route_port", 7000).getInteger("port")).isPositive()
        .isEqualTo(open.port("::1", 7000));
  }

  @Test
  void unknownPathIsJson404() throws Exception {
    JsonObject err = assertJsonError(get(open, "/v1/nope"), 404, "not_found");
    assertThat(err.getString("detail")).contains("/v1/nope");
    assertJsonError(get(open, "/nope"), 404, "not_found");
    assertJsonError(post(open, "/v1/nope", "{}", null), 404, "not_found");
    assertJsonError(post(guarded, "/v1/nope", "{}", null), 401, "unauthorized");
  }

  @Test
  void wrongMethodIsJson405() throws Exception {
    HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(open.admin("/v1/routes")))
        .timeout(Duration.ofSeconds(10)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertJsonError(res, 405, "method_not_allowed");
    assertJsonError(get(open, "/v1/log-level"), 405, "method_not_allowed");
  }

  @Test
  void logLevelFromLoopbackWithoutTokenIsAccepted() throws Exception {
    HttpResponse<String> res = post(open, "/v1/log-level", "{\"level\":\"WARN\"}", null);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(new JsonObject(res.body()).getString("level")).isEqualTo("warn");
  }

  @Test
  void badLogLevelBodiesAreJson400() throws Exception {
    assertJsonError(post(open, "/v1/log-level", "not json", null), 400, "bad_request");
    assertJsonError(post(open, "/v1/log-level", "[1,2]", null), 400, "bad_request");
    assertJsonError(post(open, "/v1/log-level", "{\"level\":\"loud\"}", null), 400, "bad_request");
    assertJsonError(post(open, "/v1/log-level", "{\"level\":7}", null), 400, "bad_request");
    assertJsonError(post(open, "/v1/log-level", "", null), 400, "bad_request");
  }

  @Test
  void oversizedBodyIsJson413() throws Exception {
    String big = "{\"level\":\"info\",\"pad\":\"" + "x".repeat(100 * 1024) + "\"}";
    HttpResponse<String> res = post(open, "/v1/log-level", big, null);
    assertJsonError(res, 413, "payload_too_large");
  }

  @Test
  void tokenIsRequiredWhenConfigured() throws Exception {
    String body = "{\"level\":\"info\"}";
    assertJsonError(post(guarded, "/v1/log-level", body, null), 401, "unauthorized");
    assertJsonError(post(guarded, "/v1/log-level", body, "Bearer wrong"), 401, "unauthorized");
    assertJsonError(post(guarded, "/v1/log-level", body, TOKEN), 401, "unauthorized");
    HttpResponse<String> ok = post(guarded, "/v1/log-level", body, "Bearer " + TOKEN);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(new JsonObject(ok.body()).getString("level")).isEqualTo("info");
  }

  @Test
  void readCallsNeedNoToken() throws Exception {
    assertThat(get(guarded, "/v1/status").statusCode()).isEqualTo(200);
    assertThat(get(guarded, "/v1/routes").statusCode()).isEqualTo(200);
  }

  @Test
  void mutatingCallFromNonLoopbackWithoutTokenIsForbidden() throws Exception {
    Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .filter(ni -> {
          try {
            return ni.isUp() && !ni.isLoopback();
          } catch (java.net.SocketException e) {
            return false;
          }
        })
        .flatMap(ni -> Collections.list(ni.getInetAddresses()).stream())
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .findFirst();
    Assumptions.assumeTrue(external.isPresent(), "no non-loopback IPv4 address on this host");
    String ip = external.get().getHostAddress();
    try (TestNode wide = TestNode.start(new TestNode.Spec().ipv6("::1").set("admin.listen", ip + ":0"))) {
      String url = "http://" + ip + ":" + wide.adminPort() + "/v1/log-level";
      assertJsonError(post(url, "{\"level\":\"info\"}", null), 403, "forbidden");
      HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":"
          + wide.adminPort() + "/healthz")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(read.statusCode()).isEqualTo(200);
    }
  }

  private static JsonObject find(JsonArray array, String key, Object value) {
    for (int i = 0; i < array.size(); i++) {
      JsonObject o = array.getJsonObject(i);
      if (value.equals(o.getValue(key))) {
        return o;
      }
    }
    throw new AssertionError("no element with " + key + "=" + value + " in " + array.encodePrettily());
  }
}
