package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.Version;
import dev.ghost.ingress.proxy.CloseReason;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.PrometheusText;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A real node's whole {@code /metrics}, after a proxied connection, a misroute and a failed connect, read by
 * Prometheus's own linter ({@code promtool check metrics}: the text-format parser plus the naming rules: HELP,
 * {@code _total} counters, base units) and by {@link PrometheusText} (every sample under its TYPE, histogram buckets
 * ordered, cumulative and closed by {@code +Inf} = {@code _count}); then what the conventions promise: no -1
 * sentinel, every close reason at 0 from start, the three histograms, build info, per-route series that leave with
 * their route.
 */
class MetricsConventionsIT {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** Units Prometheus wants spelled out as base units, and ages that would need a "never" sentinel. */
  private static final Pattern NON_BASE_UNIT =
      Pattern.compile(".*_(ms|millis|milliseconds|us|micros|ns|nanos|nanoseconds|kb|kib|mb|mib|age_seconds)(_|$).*");

  @Test
  void theWholeScrapeFollowsThePrometheusConventions() throws Exception {
    Path promtool = Tools.require("promtool");
    try (RawServer echo = RawServer.echo("::1");
         TestNode node = TestNode.start(spec(echo, true))) {
      int tls = node.port("::1", 443);
      proxied(tls);
      assertThat(Clients.connectExpectingNoData("::1", tls, ClientHellos.synthetic().sni("nobody.example.com")
          .build())).as("a misrouted hello is closed without a byte").isNotNull();
      Clients.connectExpectingNoData("::1", node.port("::1", 7000), Clients.ascii("x"));
      Await.until(() -> scrape(node).value("ghost_connection_duration_seconds_count") >= 3);
      String text = text(node);

      assertThat(promtool(promtool, text)).as("promtool check metrics").isEmpty();
      PrometheusText scrape = PrometheusText.parse(text);
      assertThat(scrape.problems()).as("format and convention problems").isEmpty();
      assertBaseUnitsAndNoSentinels(scrape);

      assertThat(scrape.value("ghost_build_info", "version", Version.current())).isEqualTo(1);
      assertThat(scrape.samples("ghost_build_info").get(0).labels().get("commit")).isNotBlank();
      for (CloseReason r : CloseReason.values()) {
        assertThat(scrape.samples("ghost_connections_closed_total")).as("close reason " + r.label())
            .anyMatch(s -> s.labels().get("reason").equals(r.label()));
      }
      assertThat(scrape.value("ghost_connections_closed_total", "reason", "completed", "route", "app")).isEqualTo(1);
      assertThat(scrape.value("ghost_connections_closed_total", "reason", "no_route", "route", "none")).isEqualTo(1);
      assertThat(scrape.value("ghost_connections_closed_total", "reason", "connect_failed", "route", "refused"))
          .isEqualTo(1);
      assertThat(scrape.value("ghost_backend_connect_seconds_count")).isEqualTo(1);
      assertThat(scrape.value("ghost_sniff_duration_seconds_count")).isEqualTo(2);
      assertThat(scrape.value("ghost_route_connections_accepted_total", "route", "app")).isEqualTo(1);
      assertThat(scrape.value("ghost_route_connections_accepted_total", "route", "refused")).isEqualTo(1);
      assertThat(scrape.value("ghost_route_connections_active", "route", "app")).isZero();
      assertThat(scrape.value("ghost_proxy_protocol_write_failures_total")).isZero();
      assertThat(scrape.value("ghost_sync_last_success_timestamp_seconds")).as("no control plane: never").isZero();
      assertThat(scrape.value("ghost_relays_total", "relay", "splice") + scrape.value("ghost_relays_total", "relay",
          "buffered")).isEqualTo(1);

      routeLeavesTheTable(node, echo);
    }
  }

  /** The route "app" with a PROXY v2 header to an echo backend, and a raw route to a refused port. */
  private static TestNode.Spec spec(RawServer echo, boolean withApp) throws IOException {
    TestNode.Spec spec = new TestNode.Spec().ipv6("::1").withoutProbes()
        .route(RouteJson.raw("refused", 7000, TestNode.hostPort("::1", RawServer.refusedPort("::1"))));
    return withApp ? spec.route(RouteJson.tls("app", "app.example.com", echo.backend()).proxyV2()) : spec;
  }

  /** A hello for "app", relayed: the echo sends back the PROXY header and the hello, then its FIN. */
  private static void proxied(int port) throws IOException {
    byte[] hello = ClientHellos.synthetic().sni("app.example.com").build();
    try (Socket s = Clients.connect("::1", port)) {
      s.getOutputStream().write(hello);
      s.shutdownOutput();
      assertThat(Clients.readToEof(s).length).as("header and hello echoed").isGreaterThan(hello.length);
    }
  }

  /**
   * Removed from the table (its connections closed), a route's series show their final values in one more scrape,
   * then leave; the other route's stay.
   */
  private static void routeLeavesTheTable(TestNode node, RawServer echo) throws Exception {
    var tables = node.node().tables();
    tables.swap(IngressNode.staticTable(TestNode.config(spec(echo, false)), tables.current().version() + 1));
    PrometheusText last = scrape(node);
    assertThat(last.value("ghost_route_connections_accepted_total", "route", "app")).isEqualTo(1);
    assertThat(last.value("ghost_connections_closed_total", "reason", "completed", "route", "app")).isEqualTo(1);
    PrometheusText after = scrape(node);
    for (String family : List.of("ghost_route_connections_accepted_total", "ghost_route_connections_active",
        "ghost_connections_closed_total",
        "ghost_from_client_bytes_total")) {
      assertThat(after.samples(family)).as(family + " of the removed route")
          .noneMatch(s -> "app".equals(s.labels().get("route")));
    }
    assertThat(after.value("ghost_route_connections_accepted_total", "route", "refused")).isEqualTo(1);
  }

  private static void assertBaseUnitsAndNoSentinels(PrometheusText scrape) {
    scrape.families().values().forEach(f -> {
      assertThat(f.name()).as("a base unit in " + f.name()).doesNotMatch(NON_BASE_UNIT);
      if (f.name().startsWith("ghost_")) {
        assertThat(f.samples()).as("no negative (sentinel) value in " + f.name()).allMatch(s -> s.value() >= 0);
        if (f.type().equals("histogram")) {
          assertThat(f.name()).as("a histogram of durations in seconds").endsWith("_seconds");
        }
      }
    });
  }

  /** Runs {@code promtool check metrics} on {@code text}: its findings, empty when it finds nothing. */
  private static String promtool(Path promtool, String text) throws Exception {
    Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    return p.exitValue() == 0 ? out : "exit " + p.exitValue() + ": " + out;
  }

  private static PrometheusText scrape(TestNode node) throws Exception {
    return PrometheusText.parse(text(node));
  }

  private static String text(TestNode node) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(node.admin("/metrics"))).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
