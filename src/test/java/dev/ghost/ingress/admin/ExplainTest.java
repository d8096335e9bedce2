package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.route.Origin;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.eligibility.RoundRobinSelector;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin "explain" command's routing rules, on a table built in memory. */
class ExplainTest {

  private static final Backend A = new Backend("fd00::a", 8443);
  private static final Backend B = new Backend("fd00::b", 8443);

  private final BackendHealth health = new BackendHealth();
  private final RoundRobinSelector selector = new RoundRobinSelector();
  private final RouteTable table = new RouteTableBuilder(3, PortPolicy.DEFAULT)
      .env("e1", "10.0.0.7", 1)
      .add(Route.tls("app", "app.example.com", 443).withOrigin(Origin.CONTROL_PLANE, 1)
          .withBackends(List.of(A, B)))
      .add(Route.tls("solo", "solo.example.com", 8443).withOrigin(Origin.CONTROL_PLANE, 2)
          .withBackends(List.of(B)))
      .add(Route.raw("db", 5432).withOrigin(Origin.CONTROL_PLANE, 3).withBackends(List.of(A)))
      .add(Route.tls("tenant", "t.example.com", 443).withOrigin(Origin.CONTROL_PLANE, 4).withEnv("e1")
          .withBackends(List.of(A)))
      .build();

  private JsonObject explain(String sni, String address, int port) throws Exception {
    return Explain.explain(table, selector, health, 3, InetAddress.getByName(address), port, sni);
  }

  @Test
  void sniPicksTheRouteAndTheNextBackendWithoutAdvancingTheCounter() throws Exception {
    JsonObject e = explain("App.Example.COM.", "::1", 443);
    assertThat(e.getJsonObject("route").getString("id")).isEqualTo("app");
    assertThat(e.getString("address")).as("IPv6 written short, as everywhere").isEqualTo("::1");
    assertThat(e.getString("next_backend")).isEqualTo("[fd00::a]:8443");
    assertThat(e.getJsonArray("plan").getList()).containsExactly("[fd00::a]:8443", "[fd00::b]:8443");
    assertThat(e.getString("close")).isNull();
    // explain twice: same answer (no turn consumed); a real connection then moves it on
    assertThat(explain("app.example.com", "::1", 443).getString("next_backend")).isEqualTo("[fd00::a]:8443");
    selector.plan(table.route("app"), health, 3);
    assertThat(explain("app.example.com", "::1", 443).getString("next_backend")).isEqualTo("[fd00::b]:8443");
  }

  @Test
  void drainedBackendsAreShownAndSkipped() throws Exception {
    health.drains().set(A, true, "n");
    JsonObject e = explain("app.example.com", "::1", 443);
    assertThat(e.getJsonArray("backends").getJsonObject(0).getString("state")).isEqualTo("drained");
    assertThat(e.getString("next_backend")).isEqualTo("[fd00::b]:8443");
    health.drains().set(B, true, "n");
    e = explain("app.example.com", "::1", 443);
    assertThat(e.getString("next_backend")).isNull();
    assertThat(e.getString("close")).isEqualTo("no_eligible_backend");
  }

  @Test
  void rawNoSniFallbackAndCloseReasons() throws Exception {
    assertThat(explain(null, "::1", 5432).getJsonObject("route").getString("id")).isEqualTo("db");
    assertThat(explain(null, "::1", 8443).getJsonObject("route").getString("id")).isEqualTo("solo");
    assertThat(explain(null, "::1", 443).getString("close")).isEqualTo("no_sni");
    assertThat(explain("nope.example.com", "::1", 443).getString("close")).isEqualTo("no_route");
    assertThat(explain("x", "::1", 9999).getString("close")).isEqualTo("no_route");
    assertThat(explain("app.example.com", "192.0.2.1", 443).getString("close")).isEqualTo("unowned_address");
    assertThat(explain("app.example.com", "10.0.0.7", 443).getString("close")).isEqualTo("tenant_mismatch");
    JsonObject t = explain("t.example.com", "10.0.0.7", 443);
    assertThat(t.getJsonObject("route").getString("id")).isEqualTo("tenant");
    assertThat(t.getString("scope")).isEqualTo("e1");
  }
}
