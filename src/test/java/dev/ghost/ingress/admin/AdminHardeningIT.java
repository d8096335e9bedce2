package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.observe.LogLevels;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The admin API of an in-JVM node against what a browser page and a flood can do, over raw
 * sockets so every header is the test's: cross-site and non-JSON mutating calls and foreign {@code Host} names are
 * refused and change nothing, the node's own names and same-origin calls are served, oversized headers are a JSON
 * 431, connections over the cap are closed at once while the data path keeps working, every refusal is counted
 * and logged with its reason, and the admin CLI still works.
 */
class AdminHardeningIT {

  static RawServer echo;
  static TestNode node;
  static String backend;
  ListAppender<ILoggingEvent> logs;

  @BeforeAll
  static void start() throws Exception {
    echo = RawServer.echo("127.0.0.1");
    backend = "127.0.0.1:" + echo.port();
    node = TestNode.start(spec());
  }

  static TestNode.Spec spec() {
    return new TestNode.Spec().ipv6("::1").withoutProbes()
        .route(RouteJson.raw("raw", 7000, backend))
        .set("admin.allowed_hosts", "admin.node1.internal");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    echo.close();
  }

  @org.junit.jupiter.api.BeforeEach
  void captureLogs() {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(AdminRefusals.class)).addAppender(logs);
  }

  @AfterEach
  void restore() {
    ((Logger) LoggerFactory.getLogger(AdminRefusals.class)).detachAppender(logs);
    LogLevels.apply("info");
  }

  /** One HTTP/1.1 exchange on a fresh connection ({@code Connection: close}): status and body. */
  record Answer(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  static Answer send(TestNode target, String method, String path, Map<String, String> headers, String body)
      throws Exception {
    StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      req.append("Content-Length: ").append(payload.length).append("\r\n");
    }
    req.append("Connection: close\r\n\r\n");
    try (Socket s = Wire.connect("127.0.0.1", target.adminPort())) {
      Wire.send(s, req.toString().getBytes(StandardCharsets.UTF_8));
      Wire.send(s, payload);
      Wire.Ending end = Wire.readToEnd(s, Duration.ofSeconds(10));
      String text = new String(end.bytes(), StandardCharsets.UTF_8);
      assertThat(text).as("an HTTP answer").startsWith("HTTP/1.1 ");
      return new Answer(Integer.parseInt(text.substring(9, 12)), text.substring(text.indexOf("\r\n\r\n") + 4));
    }
  }

  static String own() {
    return "127.0.0.1:" + node.adminPort();
  }

  static Map<String, String> json(String... more) {
    Map<String, String> h = new java.util.LinkedHashMap<>();
    h.put("Host", own());
    h.put("Content-Type", "application/json");
    for (int i = 0; i < more.length; i += 2) {
      h.put(more[i], more[i + 1]);
    }
    return h;
  }

  static double refused(String reason) {
    return Probe.counter(node, MetricNames.ADMIN_REFUSALS, "reason", reason);
  }

  private void assertRefused(Answer answer, int status, String code, String reason, double before) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    assertThat(answer.json().getString("error")).isEqualTo(code);
    assertThat(refused(reason)).as(reason + " counted").isEqualTo(before + 1);
    synchronized (logs) {
      assertThat(logs.list).as("one log line with its reason")
          .anySatisfy(e -> assertThat(e.getKeyValuePairs()).anySatisfy(kv -> {
            assertThat(kv.key).isEqualTo("reason");
            assertThat(kv.value).isEqualTo(reason);
          }));
    }
  }

  /** The attacks: each was served before; now each is refused and the node is as it was. */
  @Test
  void browserAttacksAreRefusedAndChangeNothing() throws Exception {
    double plain = refused("unsupported_media_type");
    Answer textPlain = send(node, "POST", "/v1/log-level", Map.of("Host", own(), "Content-Type", "text/plain"),
        "{\"level\":\"trace\"}");
    assertRefused(textPlain, 415, "unsupported_media_type", "unsupported_media_type", plain);
    assertThat(LogLevels.current()).isEqualTo("info");

    double cross = refused("cross_site");
    Answer fromEvil = send(node, "POST", "/v1/backends/drain", json("Origin", "http://evil.example"),
        new JsonObject().put("backend", backend).encode());
    assertRefused(fromEvil, 403, "forbidden", "cross_site", cross);
    Answer crossSite = send(node, "POST", "/v1/node/drain", Map.of("Host", own(), "Sec-Fetch-Site", "cross-site"),
        null);
    assertThat(crossSite.status()).isEqualTo(403);
    assertThat(refused("cross_site")).isEqualTo(cross + 2);
    assertThat(Probe.backendState(node, "raw", backend)).isEqualTo("eligible");
    assertThat(node.node().state().phase().name()).isEqualTo("SERVING");

    double foreign = refused("foreign_host");
    Answer rebound = send(node, "GET", "/v1/routes", Map.of("Host", "evil.example:" + node.adminPort()), null);
    assertRefused(rebound, 403, "forbidden", "foreign_host", foreign);
    assertThat(rebound.body()).doesNotContain(backend);
    // every reason shows from start at 0: the scrape must show this one counted
    assertThat(Probe.metricText(Probe.get(node, "/metrics"), "ghost_admin_refusals_total{reason=\"foreign_host\"}"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void ownNamesAndSameOriginCallsAreServed() throws Exception {
    for (String host : List.of(own(), "localhost:" + node.adminPort(), "[::1]:" + node.adminPort(),
        "Admin.Node1.Internal:" + node.adminPort())) {
      assertThat(send(node, "GET", "/v1/routes", Map.of("Host", host), null).status()).as(host).isEqualTo(200);
    }
    Answer sameOrigin = send(node, "POST", "/v1/log-level",
        json("Origin", "http://" + own(), "Sec-Fetch-Site", "same-origin"), "{\"level\":\"debug\"}");
    assertThat(sameOrigin.status()).as(sameOrigin.body()).isEqualTo(200);
    assertThat(LogLevels.current()).isEqualTo("debug");
    // no body needs no type (POST /v1/config/reload and /v1/node/drain take none)
    assertThat(send(node, "POST", "/v1/config/reload", Map.of("Host", own()), null).status()).isEqualTo(409);
  }

  @Test
  void oversizedHeadersAreAJson431() throws Exception {
    double before = refused("malformed_request");
    Answer answer = send(node, "GET", "/healthz", Map.of("Host", own(), "X-Pad", "x".repeat(16 * 1024)), null);
    assertThat(answer.status()).isEqualTo(431);
    assertThat(answer.json().getString("error")).isEqualTo("bad_request");
    assertThat(refused("malformed_request")).isEqualTo(before + 1);
  }

  @Test
  void theAdminCliSendsWhatTheServerAccepts() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    for (String base : List.of("http://127.0.0.1:", "http://localhost:")) {
      int code = AdminCli.run(List.of("--url", base + node.adminPort(), "log-level", "warn"), new PrintStream(out),
          new PrintStream(err), null);
      assertThat(code).as(out + " " + err).isZero();
    }
    assertThat(LogLevels.current()).isEqualTo("warn");
  }

  /**
   * A flood of admin connections (the issue: 1 100 unfinished requests took every descriptor): the node admits
   * {@link AdminLimits#MAX_CONNECTIONS}, closes the next at once and counts it, and the data path keeps working.
   */
  @Test
  void connectionsOverTheCapAreClosedAtOnceWhileTheDataPathWorks() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (TestNode fresh = TestNode.start(spec())) {
      byte[] get = ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < AdminLimits.MAX_CONNECTIONS; i++) {
        Socket s = Wire.connect("127.0.0.1", fresh.adminPort());
        held.add(s);
        Wire.send(s, get); // answered: admitted, then left open and idle
        assertThat(s.getInputStream().read(new byte[512])).as("connection %d answered", i).isPositive();
      }
      Socket extra = Wire.connect("127.0.0.1", fresh.adminPort());
      held.add(extra);
      Wire.Ending ending = Wire.readToEnd(extra, Duration.ofSeconds(5));
      assertThat(ending.end()).isIn(Wire.End.FIN, Wire.End.RST);
      assertThat(ending.bytes()).isEmpty();
      assertThat(ending.afterMillis()).as("closed at once").isLessThan(1_000);
      assertThat(Probe.counter(fresh, MetricNames.ADMIN_REFUSALS, "reason", "connection_limit")).isEqualTo(1);

      // the data path is untouched: a raw connection through the node still reaches its backend
      try (Socket data = Wire.connect("::1", fresh.port("::1", 7000))) {
        Wire.send(data, "ping".getBytes(StandardCharsets.US_ASCII));
        byte[] back = data.getInputStream().readNBytes(4);
        assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("ping");
      }
      for (Socket s : held) {
        s.close();
      }
      Await.until(() -> send(fresh, "GET", "/healthz", Map.of("Host", "127.0.0.1"), null).status() == 200);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
