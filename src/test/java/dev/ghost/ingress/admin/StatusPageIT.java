package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.cluster.FleetEntry;
import dev.ghost.ingress.cluster.FleetView;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Origin;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.HeadlessChromium;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The status page at {@code GET /} of the admin port, loaded in a real headless Chromium against an in-JVM node
 * with a real backend and an admin token (the page reads only the views that need none): it shows the routes with
 * their backends' states (one drained through the admin API), the node's table version, the conflicts of a
 * control-plane table and each fleet node's version and hash, renders a route id full of markup as text, runs
 * under its own strict Content-Security-Policy, and says so readably when the node does not answer. The assets are
 * served with their types, cache validators and security headers, and under the admin rules on {@code Host}.
 */
class StatusPageIT {

  /** A route id as a hostile control plane could send it: rendered as markup, it would add an element. */
  private static final String HOSTILE_ID = "<img src=x id=pwned><script>document.title='pwned'</script>";

  private static final long TABLE_VERSION = 4711;

  /** The node has a token: the page reads what the API gives without one, and never asks for it. */
  private static final String TOKEN = "status-page-token";

  static HeadlessChromium chromium;
  static RawServer echo;
  static Backend live;
  static Backend drained;
  static TestNode node;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    chromium = HeadlessChromium.require();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    echo = RawServer.echo("127.0.0.1");
    live = new Backend("127.0.0.1", echo.port());
    drained = new Backend("127.0.0.1", RawServer.refusedPort("127.0.0.1"));
    node = TestNode.start(new TestNode.Spec().ipv6("::1").withoutProbes().set("admin.token", TOKEN)
        .route(RouteJson.tls("myapp", "myapp.example.com", live.toString(), drained.toString())));
    // A table as the control plane would send it: a hostile route id, and two routes claiming one name
    node.node().tables().swap(new RouteTableBuilder(TABLE_VERSION, PortPolicy.DEFAULT)
        .add(Route.tls("myapp", "myapp.example.com", 443).withOrigin(Origin.CONTROL_PLANE, 1)
            .withBackends(List.of(live, drained)))
        .add(Route.tls(HOSTILE_ID, "hostile.example.com", 443).withOrigin(Origin.CONTROL_PLANE, 2).withBackends(List.of(live)))
        .add(Route.tls("older", "shared.example.com", 443).withOrigin(Origin.CONTROL_PLANE, 3)
            .withBackends(List.of(live)))
        .add(Route.tls("newer", "shared.example.com", 443).withOrigin(Origin.CONTROL_PLANE, 4)
            .withBackends(List.of(live)))
        .build());
    HttpResponse<String> drain = http.send(HttpRequest.newBuilder(URI.create(node.admin("/v1/backends/drain")))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("backend", drained.toString()).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(drain.statusCode()).as(drain.body()).isEqualTo(200);
    Await.until("the drain on /v1/routes", () -> "drained".equals(Probe.backendState(node, "myapp",
        drained.toString())));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (echo != null) {
      echo.close();
    }
  }

  /** The page as a person sees it, from the node's own views. */
  @Test
  void aBrowserSeesRoutesBackendStatesTableVersionAndConflicts() throws Exception {
    JsonObject status = new JsonObject(Probe.get(node, "/v1/status"));
    HeadlessChromium.Run page = chromium.load(node.admin("/"));
    String dom = page.dom();

    assertThat(dom).as("the page rendered a successful refresh\n" + page.log()).contains("data-state=\"ok\"");
    assertThat(dom).contains(status.getString("node_id"));
    assertThat(dom).contains("Route table version</dt><dd>" + TABLE_VERSION + "</dd>");
    assertThat(dom).contains("<code>myapp</code>", "myapp.example.com", "shared.example.com");
    assertThat(dom).as("a backend with its health state")
        .contains("<span class=\"badge good\">eligible</span><code>" + live + "</code>")
        .contains("<span class=\"badge warn\">drained</span><code>" + drained + "</code>");
    assertThat(dom).as("the drain's open connections on this node").contains("<td><code>" + drained + "</code></td>");
    assertThat(dom).as("the conflict: older wins").contains("<td><code>older</code></td><td><code>newer</code></td>");
    assertThat(dom).as("a standalone node says it has no fleet").contains("Not part of a fleet");
  }

  /**
   * Fleet convergence: each node's version and hash, the leader, and a node that diverged. The fleet's entries are
   * given to a second real node's {@code /v1/fleet} (rendered by the production {@link FleetView}); a real fleet's
   * view is FleetSyncIT's subject.
   */
  @Test
  void theFleetShowsEachNodesVersionAndHashAndWhoDiverged() throws Exception {
    try (TestNode member = TestNode.start(new TestNode.Spec().ipv6("::1").withoutProbes())) {
      String self = member.node().state().nodeId();
      long now = System.currentTimeMillis();
      List<FleetEntry> entries = List.of(
          new FleetEntry("node-a", "uuid-a", 7, "hash-7f3a", now),
          new FleetEntry(self, "uuid-self", 7, "hash-7f3a", now),
          new FleetEntry("node-c", "uuid-c", 6, "hash-6b21", now - 60_000));
      JsonObject view = FleetView.render("node-a", entries, Set.of("uuid-a", "uuid-self", "uuid-c"), null);
      member.node().state().fleetView(() -> Future.succeededFuture(view));
      HeadlessChromium.Run page = chromium.load(member.admin("/"));
      String dom = page.dom();

      assertThat(dom).as(page.log()).contains("data-state=\"ok\"");
      assertThat(dom).contains("Not converged: 1 of 3 live nodes differ from the leader.");
      assertThat(dom).contains("<code>node-a</code> (leader)</span></td><td class=\"num\">7</td>"
          + "<td><code>hash-7f3a</code></td>");
      assertThat(dom).contains("<code>" + self + "</code> (this node)</span></td><td class=\"num\">7</td>"
          + "<td><code>hash-7f3a</code></td>");
      assertThat(dom).contains("<code>node-c</code></span></td><td class=\"num\">6</td>"
          + "<td><code>hash-6b21</code></td>");
      assertThat(dom).contains("<span class=\"badge bad\">diverged</span>");
    }
  }

  /** Control-plane strings are text: markup in a route id shows as characters and adds no element. */
  @Test
  void markupInARouteIdIsRenderedAsText() throws Exception {
    HeadlessChromium.Run page = chromium.load(node.admin("/"));
    String dom = page.dom();

    assertThat(dom).as(page.log()).contains("data-state=\"ok\"");
    assertThat(dom).contains("&lt;img src=x id=pwned&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;");
    assertThat(dom).doesNotContain("id=\"pwned\"").doesNotContain("<title>pwned</title>");
  }

  /** The page's script and style come from files, so its CSP blocks nothing: the browser logs no violation. */
  @Test
  void thePageRunsUnderItsContentSecurityPolicyAndLeavesAScreenshot() throws Exception {
    Path png = Path.of("target", "status-page.png");
    HeadlessChromium.Run page = chromium.screenshot(node.admin("/"), png);
    System.out.println("status page screenshot: " + png.toAbsolutePath());

    assertThat(png).isNotEmptyFile();
    assertThat(page.log()).doesNotContain("Content Security Policy").doesNotContain("Refused to");
  }

  /** A node that does not answer: the page says so in words, not with a blank page or a stack trace. */
  @Test
  void anUnreachableNodeIsShownReadably() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Router router = Router.router(vertx);
      StatusPage.load().mount(router);
      router.route("/v1/*").handler(ctx -> ctx.request().connection().close());
      HttpServer gone = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
      HeadlessChromium.Run page = chromium.load("http://127.0.0.1:" + gone.actualPort() + "/");

      assertThat(page.dom()).as(page.log()).contains("data-state=\"error\"")
          .contains("Cannot read the node: connection failed").contains("Retrying every 2 s");
    } finally {
      vertx.close().await();
    }
  }

  /** Types, validators and security headers; the admin rules on Host apply to the page like to any path. */
  @Test
  void assetsHaveTheirTypesCacheValidatorsAndSecurityHeaders() throws Exception {
    Map<String, String> types = Map.of("/", "text/html; charset=utf-8",
        "/status.js", "text/javascript; charset=utf-8", "/status.css", "text/css; charset=utf-8");
    for (var e : types.entrySet()) {
      HttpResponse<String> res = get(e.getKey(), null);
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.headers().firstValue("Content-Type")).hasValue(e.getValue());
      assertThat(res.headers().firstValue("Content-Security-Policy")).hasValue(StatusPage.CONTENT_SECURITY_POLICY);
      assertThat(res.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(res.headers().firstValue("Cache-Control")).hasValue("no-cache");
      String etag = res.headers().firstValue("ETag").orElseThrow();
      assertThat(get(e.getKey(), etag).statusCode()).as("revalidated").isEqualTo(304);
    }
    assertThat(StatusPage.CONTENT_SECURITY_POLICY).contains("script-src 'self'").doesNotContain("unsafe");
    assertThat(AdminHardeningIT.send(node, "GET", "/", Map.of("Host", "evil.example"), null).status())
        .as("a rebinding name is refused").isEqualTo(403);
    assertThat(AdminHardeningIT.send(node, "GET", "/", Map.of("Host", "127.0.0.1:" + node.adminPort(),
        "Sec-Fetch-Site", "cross-site"), null).status()).as("a cross-site load is refused").isEqualTo(403);
  }

  private static HttpResponse<String> get(String path, String ifNoneMatch) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.admin(path))).timeout(Duration.ofSeconds(10));
    if (ifNoneMatch != null) {
      b.header("If-None-Match", ifNoneMatch);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
