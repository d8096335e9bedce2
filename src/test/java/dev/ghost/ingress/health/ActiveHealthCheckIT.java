package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.BusAddresses;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.PrometheusText;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Active TCP health checks on a real node (interval 150 ms, timeout 200 ms, rise 2, fall 3) with real TCP backends:
 * a backend that stops listening goes probe-down after {@code fall} refused probes, new TLS-passthrough connections
 * then go to the other backend only (without a failed connect first), an established connection to it is not
 * drained, and it comes back after {@code rise} probes once it listens on the same port again; the transitions
 * reach the event bus and the metrics. A backend the table no longer has is never offered again, whatever its probes
 * would say, and is no longer probed.
 */
class ActiveHealthCheckIT {

  private static final String HOST = "::1";
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @BeforeAll
  static void warmUp() {
    TestTls.warmUp();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeLater) {
      c.close();
    }
  }

  private static TestNode.Spec spec(String... backends) {
    return new TestNode.Spec().ipv6(HOST)
        .set("health.interval", "150ms").set("health.timeout", "200ms")
        .set("health.rise", 2).set("health.fall", 3)
        .route(RouteJson.tls("app", TestTls.MYAPP, backends));
  }

  @Test
  void deadBackendIsEjectedByProbesAndReadmittedOnceItListensAgain() throws Exception {
    NamedBackend a = track(NamedBackend.start("A"));
    NamedBackend b = track(NamedBackend.start("B"));
    TestNode node = track(TestNode.start(spec(a.backend(), b.backend())));
    List<JsonObject> views = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = node.node().vertx().eventBus()
        .<JsonObject>consumer(BusAddresses.HEALTH_VIEW, m -> views.add(m.body()));
    consumer.completion().await();

    Await.until("both backends probed up", () -> a.accepted() >= 1 && b.accepted() >= 1
        && "up".equals(probeOf(node, a.backend())) && "up".equals(probeOf(node, b.backend())),
        () -> Probe.get(node, "/v1/fleet/health"));
    assertThat(served(node, 4)).contains("A", "B");
    assertThat(eligibleGauge(node, a.backend())).isEqualTo(1.0);

    Socket established = Clients.connect(HOST, node.port(HOST, 443));
    closeLater.add(established);
    String first = sendHello(established);
    NamedBackend held = first.equals("A") ? a : b;
    NamedBackend other = held == a ? b : a;

    held.stopListening(); // refuses new connections; the accepted ones stay open
    Await.until(held.name + " probe_down on /v1/routes",
        () -> "probe_down".equals(Probe.backendState(node, "app", held.backend())),
        () -> Probe.routes(node).encodePrettily());
    assertThat(Probe.counter(node, MetricNames.HEALTH_PROBES, "result", "refused")).isGreaterThanOrEqualTo(3);
    assertThat(Probe.counter(node, MetricNames.HEALTH_TRANSITIONS, "to", "down")).isEqualTo(1.0);
    assertThat(eligibleGauge(node, held.backend())).isEqualTo(0.0);
    assertThat(eligibleGauge(node, other.backend())).isEqualTo(1.0);

    double failuresBefore = Probe.counter(node, MetricNames.UPSTREAM_CONNECT_FAILURES);
    assertThat(served(node, 4)).containsOnly(other.name);
    assertThat(Probe.counter(node, MetricNames.UPSTREAM_CONNECT_FAILURES))
        .as("probe-down backend was never dialled").isEqualTo(failuresBefore);
    assertThat(Probe.counter(node, MetricNames.UPSTREAM_PANIC)).isZero();

    // docs/behaviour.md, Draining: a failed probe leaves open connections untouched
    assertThat(Probe.counter(node, MetricNames.DRAINS)).isZero();
    assertThat(echo(established, "still relaying")).isEqualTo("still relaying");

    Await.until("the down transition on the event bus", () -> views.stream().anyMatch(v ->
        "change".equals(v.getString("reason")) && hasEntry(v.getJsonArray("changed"), held.backend(), "down")));
    Await.until("a periodic view listing the backend as probe down", () -> views.stream().anyMatch(v ->
        "periodic".equals(v.getString("reason")) && hasEntry(v.getJsonArray("backends"), held.backend(), "down")));
    assertThat(cell(new JsonObject(Probe.get(node, "/v1/fleet/health")), held.backend()))
        .isEqualTo(HealthMatrix.PROBE_DOWN);

    held.listenAgain(); // the same port
    Await.until(held.name + " eligible again after rise probes",
        () -> "eligible".equals(Probe.backendState(node, "app", held.backend())),
        () -> Probe.routes(node).encodePrettily());
    assertThat(Probe.counter(node, MetricNames.HEALTH_TRANSITIONS, "to", "up")).isEqualTo(1.0);
    assertThat(eligibleGauge(node, held.backend())).isEqualTo(1.0);
    assertThat(served(node, 4)).contains("A", "B");
    Await.until("the up transition on the event bus", () -> views.stream().anyMatch(v ->
        "change".equals(v.getString("reason")) && hasEntry(v.getJsonArray("changed"), held.backend(), "up")));
    assertThat(echo(established, "never drained")).isEqualTo("never drained");
    assertThat(Probe.counter(node, MetricNames.DRAINS)).isZero();
  }

  @Test
  void backendRemovedFromTheTableIsNeverOfferedAgainAndNoLongerProbed() throws Exception {
    NamedBackend a = track(NamedBackend.start("A"));
    NamedBackend c = track(NamedBackend.start("C"));
    TestNode node = track(TestNode.start(spec(a.backend(), c.backend())));
    Await.until("both backends probed up", () -> "up".equals(probeOf(node, a.backend()))
        && "up".equals(probeOf(node, c.backend())), () -> Probe.get(node, "/v1/fleet/health"));

    IngressConfig withoutC = TestNode.config(spec(a.backend()));
    RouteTableRef tables = node.node().tables();
    tables.swap(IngressNode.staticTable(withoutC, tables.current().version() + 1));
    assertThat(eligibleGauge(node, c.backend())).as("gauge removed with the backend").isNaN();

    // A dies: panic mode tries A alone; C, healthy and probed up until now, is never offered again
    a.stopListening();
    Await.until("A probe_down", () -> "probe_down".equals(Probe.backendState(node, "app", a.backend())),
        () -> Probe.routes(node).encodePrettily());
    int probesOfC = c.accepted();
    assertThat(notServed(node)).isTrue();
    assertThat(Probe.counter(node, MetricNames.UPSTREAM_PANIC)).isGreaterThanOrEqualTo(1);
    JsonObject explain = new JsonObject(Probe.get(node, "/v1/explain?sni=" + TestTls.MYAPP + "&address=::1&port=443"));
    assertThat(explain.getJsonArray("plan").getList()).containsExactly(a.backend());
    assertThat(explain.getJsonArray("backends").getJsonObject(0).getString("state")).isEqualTo("probe_down");

    a.listenAgain();
    Await.until("A eligible again", () -> "eligible".equals(Probe.backendState(node, "app", a.backend())));
    assertThat(served(node, 3)).containsOnly("A");
    assertThat(c.accepted()).as("C is no longer probed (A was probed at least twice meanwhile)")
        .isEqualTo(probesOfC);
    assertThat(probeOf(node, c.backend())).isEqualTo("unknown");
    assertThat(node.node().services().health().probes().snapshot()).doesNotContainKey(Backend.parse(c.backend()));
  }

  @Test
  void disabledProbingNeverConnects() throws Exception {
    NamedBackend a = track(NamedBackend.start("A"));
    NamedBackend b = track(NamedBackend.start("B"));
    TestNode node = track(TestNode.start(spec(a.backend(), b.backend()).set("health.enabled", false)));
    List<JsonObject> views = new CopyOnWriteArrayList<>();
    node.node().vertx().eventBus().<JsonObject>consumer(BusAddresses.HEALTH_VIEW, m -> views.add(m.body()))
        .completion().await();
    assertThat(served(node, 2)).containsExactlyInAnyOrder("A", "B");
    // two periodic views are >= 2 s apart: more than ten probe intervals
    Await.until("two periodic health views",
        () -> views.stream().filter(v -> "periodic".equals(v.getString("reason"))).count() >= 2);
    assertThat(a.accepted() + b.accepted()).as("only the two client connections, no probe").isEqualTo(2);
    assertThat(Probe.counter(node, MetricNames.HEALTH_PROBES)).isZero();
    JsonObject last = views.get(views.size() - 1);
    assertThat(hasEntry(last.getJsonArray("backends"), a.backend(), "unknown")).isTrue();
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  private <T extends AutoCloseable> T track(T c) {
    closeLater.add(0, c);
    return c;
  }

  /** Opens {@code n} TLS-passthrough connections (a real ClientHello) and returns which backend answered each. */
  private static List<String> served(TestNode node, int n) throws IOException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try (Socket s = Clients.connect(HOST, node.port(HOST, 443))) {
        out.add(sendHello(s));
      }
    }
    return out;
  }

  /** True when a connection is closed without any backend answering. */
  private static boolean notServed(TestNode node) throws IOException {
    try (Socket s = Clients.connect(HOST, node.port(HOST, 443))) {
      s.getOutputStream().write(ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3"));
      return s.getInputStream().read() < 0;
    } catch (IOException reset) {
      return true;
    }
  }

  private static String sendHello(Socket s) throws IOException {
    s.getOutputStream().write(ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3"));
    int name = s.getInputStream().read();
    if (name < 0) {
      throw new AssertionError("closed without a backend banner");
    }
    return String.valueOf((char) name);
  }

  private static String echo(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(bytes);
    return new String(Clients.readExactly(s, bytes.length), StandardCharsets.US_ASCII);
  }

  /** The node's probe verdict for the backend: up, down or unknown. */
  private static String probeOf(TestNode node, String backend) {
    return node.node().services().health().probes().status(Backend.parse(backend)).label();
  }

  private static String cell(JsonObject matrix, String backend) {
    for (Object o : matrix.getJsonArray("backends")) {
      JsonObject row = (JsonObject) o;
      if (row.getString("backend").equals(backend)) {
        return row.getJsonObject("nodes").getString(row.getJsonObject("nodes").fieldNames().iterator().next());
      }
    }
    return null;
  }

  private static boolean hasEntry(JsonArray entries, String backend, String probe) {
    for (Object o : entries) {
      JsonObject e = (JsonObject) o;
      if (backend.equals(e.getString("backend")) && probe.equals(e.getString("probe"))) {
        return true;
      }
    }
    return false;
  }

  /** The node's {@code ghost_backend_eligible} sample of the route {@code app} and this backend; NaN if none. */
  private static double eligibleGauge(TestNode node, String backend) {
    return PrometheusText.parse(node.node().registry().scrape()).samples("ghost_backend_eligible").stream()
        .filter(s -> "app".equals(s.labels().get("route")) && backend.equals(s.labels().get("backend")))
        .mapToDouble(PrometheusText.Sample::value).findFirst().orElse(Double.NaN);
  }

  /**
   * A TCP backend on loopback that writes its one-letter name on accept, then echoes. It can stop listening (new
   * connections are refused, accepted ones stay open) and listen again on the same port.
   */
  static final class NamedBackend implements AutoCloseable {
    final String name;
    private final int port;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    private NamedBackend(String name, int port) {
      this.name = name;
      this.port = port;
    }

    static NamedBackend start(String name) throws IOException {
      ServerSocket ss = bind(0);
      NamedBackend b = new NamedBackend(name, ss.getLocalPort());
      b.serve(ss);
      return b;
    }

    private static ServerSocket bind(int port) throws IOException {
      ServerSocket ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 128);
      return ss;
    }

    private void serve(ServerSocket ss) {
      server = ss;
      Thread t = new Thread(() -> {
        while (!ss.isClosed()) {
          try {
            Socket s = ss.accept();
            accepted.incrementAndGet();
            sockets.add(s);
            Thread h = new Thread(() -> handle(s), "named-backend-" + name);
            h.setDaemon(true);
            h.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "named-backend-accept-" + name);
      t.setDaemon(true);
      t.start();
    }

    /** Writes the name, skips the client's first TLS record (its ClientHello), then echoes. */
    private void handle(Socket s) {
      try (s) {
        OutputStream out = s.getOutputStream();
        out.write(name.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] header = new byte[5];
        in.readFully(header);
        in.skipNBytes(((header[3] & 0xff) << 8) | (header[4] & 0xff));
        byte[] buf = new byte[16 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // probes close at once; the tests assert on what clients saw
      }
    }

    String backend() {
      return TestNode.hostPort(HOST, port);
    }

    int accepted() {
      return accepted.get();
    }

    /** Closes the listening socket only: new connections are refused, accepted ones keep running. */
    void stopListening() throws IOException {
      server.close();
    }

    /** Listens on the same port again. */
    void listenAgain() throws IOException {
      serve(bind(port));
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
