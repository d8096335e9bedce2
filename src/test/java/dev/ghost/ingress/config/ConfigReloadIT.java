package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.admin.AdminCli;
import dev.ghost.ingress.observe.BusAddresses;
import dev.ghost.ingress.observe.LogLevels;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TlsStreamBackend;
import dev.ghost.ingress.testing.Wire;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Config hot reload on a node started from a real file ({@code config.scan_period} 100 ms): what applies live
 * (routes, listeners, log level, timeouts), what is refused (a broken file changes nothing, and editing it back
 * applies), restart-only keys, and the admin {@code reload-config} over HTTP, the event bus and the CLI. A streaming
 * TLS session through the node carries data both ways across every reload.
 */
class ConfigReloadIT {

  static final int RAW_PORT = 7981;
  static final int EXTRA_LISTEN_PORT = 7982;

  static TlsStreamBackend tlsBackend;
  static RawServer rawBackend;
  static Path dir;
  static Path file;
  static Path stateFile;
  static TestNode node;
  static ListAppender<ILoggingEvent> logs;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    TestTls.warmUp();
    tlsBackend = TlsStreamBackend.start("::1", TestTls.MYAPP);
    rawBackend = RawServer.echo("::1");
    dir = Files.createTempDirectory("ghost-reload");
    file = dir.resolve("ingress.json");
    stateFile = dir.resolve("state.json");
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(ConfigReloader.class)).addAppender(logs);
    write(base());
    node = TestNode.startFromFile(file, Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(ConfigReloader.class)).detachAppender(logs);
    node.close();
    rawBackend.close();
    tlsBackend.close();
    LogLevels.apply("info");
  }

  /** Every test leaves the base file in force (applied at once through the admin API, not waiting for a scan). */
  @AfterEach
  void restoreBase() throws Exception {
    write(base());
    HttpResponse<String> r = postReload();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Await.until("the base config in force", () -> node.node().config().reload().scanPeriod().toMillis() == 100
        && "info".equals(LogLevels.current()));
  }

  /** The base file: [::1]:443 (mapped to an ephemeral port), one TLS route, scanned every 100 ms. */
  static TestNode.Spec baseSpec() {
    return new TestNode.Spec().ipv6("::1")
        .set("state.file", stateFile.toString())
        .set("config.scan_period", "100ms")
        .set("log.level", "info")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, tlsBackend.backend()));
  }

  static JsonObject base() throws IOException {
    return baseSpec().json();
  }

  /** Replaces the config file by atomic rename, as docs/configuration.md recommends. */
  static void write(JsonObject json) throws IOException {
    writeText(json.encodePrettily());
  }

  static void writeText(String text) throws IOException {
    Path tmp = dir.resolve("ingress.json.tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  static double reloads() {
    return Probe.counter(node, MetricNames.CONFIG_RELOADS);
  }

  static double failures(String reason) {
    return Probe.counter(node, MetricNames.CONFIG_RELOAD_FAILURES, "reason", reason);
  }

  static HttpResponse<String> postReload() throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(node.admin("/v1/config/reload")))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static SSLSocket tls() throws IOException {
    return TestTls.connect("::1", node.port("::1", 443), TestTls.MYAPP, "TLSv1.3");
  }

  /** Sends {@code text} and expects it back: the session carries data both ways. */
  static void exchange(Socket s, String text) throws IOException {
    byte[] out = text.getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(out);
    s.getOutputStream().flush();
    assertThat(new String(Clients.readExactly(s, out.length), StandardCharsets.UTF_8)).isEqualTo(text);
  }

  static boolean logged(String message, String key) {
    synchronized (logs) { // the appender appends under its own lock
      return logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains(message)
        && e.getKeyValuePairs() != null
          && e.getKeyValuePairs().stream().anyMatch(kv -> "key".equals(kv.key) && key.equals(kv.value)));
    }
  }

  /** Writes the base file changed by {@code edit} with scanning off, and waits until scanning is off. */
  static void scanningOff(Consumer<TestNode.Spec> edit) throws Exception {
    TestNode.Spec spec = baseSpec().set("config.scan_period", "0");
    edit.accept(spec);
    write(spec.json());
    Await.until("scanning off", () -> node.node().config().reload().scanPeriod().isZero());
  }

  @Test
  void aStreamingTlsSessionSurvivesReloads() throws Exception {
    try (SSLSocket session = tls()) {
      exchange(session, "before any reload");
      double before = reloads();
      write(baseSpec().set("log.level", "debug").set("proxy.sniff_timeout", "300ms")
          .set("limits.max_connections_per_ip", 50)
          .route(RouteJson.raw("raw", RAW_PORT, rawBackend.backend())).json());
      Await.until("the edited file applied by a scan", () -> reloads() > before);
      exchange(session, "after a scanned reload");
      assertThat(node.node().services().settings().sniffTimeout()).isEqualTo(Duration.ofMillis(300));
      assertThat(LogLevels.current()).isEqualTo("debug");
      HttpResponse<String> r = postReload();
      assertThat(r.statusCode()).isEqualTo(200);
      exchange(session, "after an admin reload");
      write(base());
      Await.until("the base file applied again", () -> node.node().bound().port("::1", RAW_PORT) <= 0);
      exchange(session, "after the route table changed twice");
      // a new connection still routes
      try (SSLSocket fresh = tls()) {
        exchange(fresh, "new connection");
      }
      exchange(session, "still streaming");
    }
  }

  @Test
  void aFileEditedToGarbageChangesNothingAndEditedBackApplies() throws Exception {
    double parse = failures("parse");
    double invalid = failures("invalid");
    writeText("{ \"route\": [ this is not json");
    Await.until("the parse failure counted", () -> failures("parse") > parse);
    try (SSLSocket s = tls()) {
      exchange(s, "still served on the old routes");
    }
    assertThat(failures("parse")).isEqualTo(parse + 1);
    assertThat(node.node().tables().current().routes()).hasSize(1);
    HttpResponse<String> r = postReload();
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("invalid_config");
    assertThat(new JsonObject(r.body()).getString("detail")).contains(file.toString()).contains("cannot parse");

    write(baseSpec().set("proxy.sniff_timeout", "5 seconds").json());
    Await.until("the invalid value counted", () -> failures("invalid") > invalid);
    assertThat(logged("config reload rejected", "proxy.sniff_timeout")).isTrue();
    r = postReload();
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(new JsonObject(r.body()).getString("detail")).contains("proxy.sniff_timeout").contains("5 seconds");
    assertThat(node.node().services().settings().sniffTimeout()).isEqualTo(Duration.ofMillis(200));

    Files.delete(file);
    double missing = failures("missing");
    Await.until("the deleted file counted", () -> failures("missing") > missing);
    try (SSLSocket s = tls()) {
      exchange(s, "a deleted file is no empty config");
    }

    double before = reloads();
    write(baseSpec().route(RouteJson.raw("raw", RAW_PORT, rawBackend.backend())).json());
    Await.until("the fixed file applied", () -> reloads() > before);
    Await.until("the new route's port bound", () -> node.node().bound().port("::1", RAW_PORT) > 0);
    try (Socket raw = Clients.connect("::1", node.port("::1", RAW_PORT))) {
      exchange(raw, "the new route routes");
    }
  }

  @Test
  void staticRoutesAndListenerAddressesFollowTheFile() throws Exception {
    JsonObject added = baseSpec().route(RouteJson.raw("raw", RAW_PORT, rawBackend.backend())).json();
    added.getJsonObject("listen").getJsonArray("ipv6").add("[::1]:" + EXTRA_LISTEN_PORT);
    added.getJsonObject("listen").getJsonArray("port_map").add(EXTRA_LISTEN_PORT + "=0");
    try (SSLSocket session = tls()) {
      write(added);
      Await.until("the route port and the new address bound", () -> node.node().bound().port("::1", RAW_PORT) > 0
          && node.node().bound().port("::1", EXTRA_LISTEN_PORT) > 0);
      int rawPort = node.port("::1", RAW_PORT);
      int extraPort = node.port("::1", EXTRA_LISTEN_PORT);
      try (Socket raw = Clients.connect("::1", rawPort)) {
        exchange(raw, "added route");
        try (Socket extra = Clients.connect("::1", extraPort)) {
          assertThat(extra.isConnected()).isTrue();
        }
        write(base());
        Await.until("the route port and the address released", () -> node.node().bound().port("::1", RAW_PORT) <= 0
            && node.node().bound().port("::1", EXTRA_LISTEN_PORT) <= 0);
        assertThat(node.node().tables().current().routes()).extracting(r -> r.id()).containsExactly("myapp");
        Await.until("both released sockets refuse",
            () -> Wire.refused("::1", rawPort) && Wire.refused("::1", extraPort));
      }
      exchange(session, "untouched by listener changes");
    }
  }

  @Test
  void adminReloadOverHttpBusAndCliWithRestartOnlyKeys() throws Exception {
    scanningOff(spec -> spec.set("log.level", "warn"));
    // the config in force is replaced first, then its listeners (the log level among them) run
    Await.until("log level warn", () -> LogLevels.current().equals("warn"), LogLevels::current);

    // HTTP
    write(baseSpec().set("config.scan_period", "0").set("log.level", "error").json());
    HttpResponse<String> r = postReload();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject answer = new JsonObject(r.body());
    assertThat(answer.getBoolean("applied")).isTrue();
    assertThat(answer.getJsonArray("changed").getList()).containsExactly("log.level");
    assertThat(LogLevels.current()).isEqualTo("error");

    // the event bus, this node
    String nodeId = node.node().state().nodeId();
    write(baseSpec().set("config.scan_period", "0").set("log.level", "debug").json());
    JsonObject reply = node.node().vertx().eventBus()
        .<JsonObject>request(BusAddresses.adminNode(nodeId, "reload-config"), new JsonObject()).await().body();
    assertThat(reply.getBoolean("applied")).isTrue();
    assertThat(LogLevels.current()).isEqualTo("debug");

    // the event bus, fleet-wide
    write(baseSpec().set("config.scan_period", "0").set("log.level", "warn").json());
    node.node().vertx().eventBus().publish(BusAddresses.adminAll("reload-config"), new JsonObject());
    Await.until("the fleet-wide reload applied", () -> "warn".equals(LogLevels.current()));

    // the CLI, with a restart-only key: reported, logged, not applied
    write(baseSpec().set("config.scan_period", "0").set("log.level", "warn").set("node.id", "renamed").json());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = AdminCli.run(List.of("--url", "http://127.0.0.1:" + node.adminPort(), "--json", "reload"),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), null);
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    JsonObject cli = new JsonObject(out.toString(StandardCharsets.UTF_8));
    assertThat(cli.getBoolean("applied")).isFalse();
    assertThat(cli.getJsonArray("restart_required").getList()).containsExactly("node.id");
    assertThat(logged("applies on restart", "node.id")).isTrue();
    assertThat(node.node().config().nodeId()).isEqualTo(nodeId);
    assertThat(node.node().state().nodeId()).isEqualTo(nodeId);

    // a broken file: a clear error on every path
    writeText("log = ");
    r = postReload();
    assertThat(r.statusCode()).isEqualTo(422);
    assertThatThrownBy(() -> node.node().vertx().eventBus()
        .request(BusAddresses.adminNode(nodeId, "reload-config"), new JsonObject()).await())
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(422);
          assertThat(new JsonObject(e.getMessage()).getString("error")).isEqualTo("invalid_config");
        });
    out.reset();
    code = AdminCli.run(List.of("--url", "http://127.0.0.1:" + node.adminPort(), "--json", "reload"),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), null);
    assertThat(code).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("invalid_config");
    assertThat(LogLevels.current()).isEqualTo("warn");
  }

  @Test
  void aNodeOnTheEmbeddedDefaultHasNothingToReload() throws Exception {
    try (TestNode plain = TestNode.start(new TestNode.Spec().ipv6("::1"))) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(plain.admin("/v1/config/reload")))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(409);
      assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("no_config_file");
    }
  }
}
