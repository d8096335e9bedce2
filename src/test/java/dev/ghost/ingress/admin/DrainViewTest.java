package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DrainViewTest {

  static JsonObject report(String node, String member, String backend, int open) {
    return new JsonObject().put("node_id", node).put("member", member)
        .put("backends", new JsonObject().put(backend, open));
  }

  @Test
  void aggregatesTheLatestReportOfEveryNode() {
    DrainView view = new DrainView();
    view.accept(report("n1", "m1", "[::1]:9443", 2), 1_000);
    view.accept(report("n2", "m2", "[::1]:9443", 0), 1_000);
    view.accept(report("n1", "m1", "[::1]:9443", 1), 1_500); // replaces n1's first report
    JsonObject out = view.render(m -> true, 2_000);
    assertThat(out.encode()).isEqualTo("{\"[::1]:9443\":{\"open\":1,\"nodes\":{\"n1\":1,\"n2\":0}}}");
  }

  @Test
  void dropsNodesThatLeftTheClusterOrWentSilent() {
    DrainView view = new DrainView();
    view.accept(report("n1", "m1", "b:1", 1), 10_000);
    view.accept(report("n2", "m2", "b:1", 3), 10_000);
    view.accept(report("n3", "m3", "b:1", 5), 10_000 - DrainView.STALE_MS - 1);
    JsonObject out = view.render(Set.of("m1", "m3")::contains, 10_000);
    assertThat(out.getJsonObject("b:1").getInteger("open")).isEqualTo(1);
    assertThat(out.getJsonObject("b:1").getJsonObject("nodes").fieldNames()).containsExactly("n1");
  }

  @Test
  void ignoresMalformedReports() {
    DrainView view = new DrainView();
    assertThat(view.accept(new JsonObject().put("node_id", "n1"), 0)).isFalse();
    assertThat(view.accept(new JsonObject().put("node_id", "n1").put("backends",
        new JsonObject().put("b:1", "many")), 0)).isFalse();
    assertThat(view.render(m -> true, 0).isEmpty()).isTrue();
  }
}
