package dev.ghost.ingress.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboard as Grafana lays it out: unique panel ids, panels that do not overlap on the 24-column grid, and
 * every query bound to the dashboard's data-source variable (so an import asks for a data source instead of failing
 * on an unknown uid), with the {@code job} and {@code instance} variables its queries use.
 */
class GrafanaDashboardTest {

  @Test
  void panelsHaveUniqueIdsAndDoNotOverlap() throws Exception {
    JsonArray panels = dashboard().getJsonArray("panels");
    assertThat(panels).as("panels").hasSizeGreaterThan(10);
    Set<Integer> ids = new HashSet<>();
    Set<String> cells = new HashSet<>();
    for (int i = 0; i < panels.size(); i++) {
      JsonObject p = panels.getJsonObject(i);
      assertThat(ids.add(p.getInteger("id"))).as("unique id " + p.getInteger("id")).isTrue();
      JsonObject g = p.getJsonObject("gridPos");
      assertThat(g.getInteger("x") + g.getInteger("w")).as(p.getString("title") + ": inside 24 columns")
          .isLessThanOrEqualTo(24);
      for (int x = g.getInteger("x"); x < g.getInteger("x") + g.getInteger("w"); x++) {
        for (int y = g.getInteger("y"); y < g.getInteger("y") + g.getInteger("h"); y++) {
          assertThat(cells.add(x + "," + y)).as(p.getString("title") + " overlaps another panel at " + x + "," + y)
              .isTrue();
        }
      }
    }
  }

  @Test
  void everyQueryUsesTheDataSourceVariableAndTheJobAndNodeVariables() throws Exception {
    JsonObject d = dashboard();
    Set<String> variables = new HashSet<>();
    d.getJsonObject("templating").getJsonArray("list").forEach(v -> variables.add(((JsonObject) v).getString("name")));
    assertThat(variables).contains("datasource", "job", "instance");
    JsonArray panels = d.getJsonArray("panels");
    int targets = 0;
    for (int i = 0; i < panels.size(); i++) {
      JsonObject p = panels.getJsonObject(i);
      if (p.getString("type").equals("row")) {
        continue;
      }
      assertThat(p.getJsonObject("datasource").getString("uid")).as(p.getString("title")).isEqualTo("${datasource}");
      for (Object o : p.getJsonArray("targets")) {
        JsonObject t = (JsonObject) o;
        assertThat(t.getJsonObject("datasource").getString("uid")).isEqualTo("${datasource}");
        assertThat(t.getString("expr")).as(p.getString("title")).contains("job=\"$job\"");
        targets++;
      }
    }
    assertThat(targets).isGreaterThan(20);
  }

  private static JsonObject dashboard() throws Exception {
    return new JsonObject(Files.readString(DeployQueries.DASHBOARD));
  }
}
