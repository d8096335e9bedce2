package dev.ghost.ingress.sync;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;

/** Shared pieces of the sync ITs: a dev control plane state, TLS backends on [::1], a node spec, probes. */
final class SyncFixture {

  static final String ORG = "org_01JFW0000000000000000000";
  static final String TOKEN = "sync-it-token";
  static final String APP = "app_1";
  static final String ENV = "env_1";

  private SyncFixture() {}

  /** The dev control plane's initial state: one env (optionally with IPv4), one ready instance on ::1. */
  static String initialState(String envIpv4) {
    return """
        org = "%s"
        token = "%s"

        [[env]]
        id = "%s"
        app = "%s"
        %s

        [[instance]]
        id = "inst_1"
        env = "%s"
        overlay_ipv6 = "::1"
        """.formatted(ORG, TOKEN, ENV, APP, envIpv4 == null ? "" : "ipv4 = \"" + envIpv4 + "\"", ENV);
  }

  static DevControlPlane startPlane(Vertx vertx, Path dir, String envIpv4) throws IOException {
    Path file = dir.resolve("cp.toml");
    Files.writeString(file, initialState(envIpv4));
    return DevControlPlane.start(vertx, new DevControlPlane.Options().stateFile(file).scan(Duration.ofMillis(50)))
        .await();
  }

  /** A tls_passthrough route on listen port 443 of {@link #ENV}. */
  static DevState.Route route(String id, String hostname, int backendPort) {
    return new DevState.Route(id, APP, ENV, hostname, 443, DevState.TLS_PASSTHROUGH, "web", backendPort,
        DevState.PROXY_OFF, false);
  }

  static DevState.Route withBackendPort(DevState.Route r, int port) {
    return new DevState.Route(r.id(), r.app(), r.env(), r.hostname(), r.listenPort(), r.protocol(),
        r.processType(), port, r.proxyProtocol(), r.ipv4Required());
  }

  /** A node on [::1] (and 127.0.0.1) synced from {@code url}, with the short intervals of the tests. */
  static TestNode.Spec spec(String url, boolean stream) {
    return new TestNode.Spec()
        .ipv6("::1")
        .set("proxy.sniff_timeout", "5s")
        .set("control_plane.url", url)
        .set("control_plane.token", TOKEN)
        .set("control_plane.org_id", ORG)
        .set("control_plane.stream", stream)
        .set("control_plane.poll_interval", "200ms")
        .set("control_plane.backend_sync_interval", "500ms")
        .set("control_plane.request_timeout", "1s");
  }

  static String url(DevControlPlane cp) {
    return "http://127.0.0.1:" + cp.port();
  }

  /** A TLS server on [::1] port 0 presenting {@code certHost}'s certificate; it echoes what it reads. */
  static NetServer tlsBackend(Vertx vertx, String certHost) {
    return vertx.createNetServer(new NetServerOptions().setHost("::1").setPort(0).setSsl(true)
            .setKeyCertOptions(TestTls.keyCert(certHost)))
        .connectHandler(s -> s.handler(s::write))
        .listen().await();
  }

  /** Connects through the node's [::1] listener with {@code sni}; the CN of the certificate seen. */
  static String cn(TestNode node, String sni) throws IOException {
    try (SSLSocket s = TestTls.connect("::1", node.port("::1", 443), sni, "TLSv1.3")) {
      return TestTls.peerCommonName(s);
    }
  }

  /** True when a TLS connection with {@code sni} fails (closed or reset by the node). */
  static boolean refused(TestNode node, String sni) {
    try (Socket s = TestTls.connect("::1", node.port("::1", 443), sni, "TLSv1.3")) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  static double syncErrors(TestNode node, String kind) {
    return Probe.counter(node, MetricNames.SYNC_ERRORS, "kind", kind);
  }

  static double syncErrorsTotal(TestNode node) {
    return Probe.counter(node, MetricNames.SYNC_ERRORS);
  }

  static String errorsByKind(TestNode node) {
    StringBuilder out = new StringBuilder("errors{");
    node.node().registry().find(MetricNames.SYNC_ERRORS).counters().forEach(c ->
        out.append(c.getId().getTag("kind")).append('=').append(c.count()).append(' '));
    return out.append("} sync=").append(node.node().syncStatus().syncJson()).toString();
  }

  /** The backends of {@code routeId} as /v1/routes shows them, or null when the route is absent. */
  static JsonArray backends(TestNode node, String routeId) {
    JsonArray routes = Probe.routes(node).getJsonArray("routes");
    for (int i = 0; i < routes.size(); i++) {
      JsonObject r = routes.getJsonObject(i);
      if (routeId.equals(r.getString("id"))) {
        return r.getJsonArray("backends");
      }
    }
    return null;
  }
}
