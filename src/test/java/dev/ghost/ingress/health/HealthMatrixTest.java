package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HealthMatrixTest {

  private static final String A = "[fd00::1]:443";
  private static final String B = "10.0.0.2:8443";

  private static JsonObject view(String node, String member, long at, Object... backendEjected) {
    JsonArray backends = new JsonArray();
    for (int i = 0; i < backendEjected.length; i += 2) {
      backends.add(new JsonObject().put("backend", backendEjected[i]).put("ejected", backendEjected[i + 1])
          .put("consecutive_failures", Boolean.TRUE.equals(backendEjected[i + 1]) ? 1 : 0));
    }
    return new JsonObject().put("node_id", node).put("member", member).put("at", at).put("backends", backends);
  }

  private static String cell(JsonObject matrix, String backend, String node) {
    for (Object o : matrix.getJsonArray("backends")) {
      JsonObject row = (JsonObject) o;
      if (row.getString("backend").equals(backend)) {
        return row.getJsonObject("nodes").getString(node);
      }
    }
    return null;
  }

  @Test
  void standaloneListsOnlyItselfEvenBeforeItsFirstView() {
    HealthMatrix m = new HealthMatrix("node-1");
    assertThat(m.render().encode()).isEqualTo("{\"nodes\":[\"node-1\"],\"backends\":[]}");
    m.accept(view("node-1", null, 100, A, true, B, false), 1_000);
    JsonObject r = m.render();
    assertThat(r.getJsonArray("nodes").getList()).containsExactly("node-1");
    assertThat(cell(r, A, "node-1")).isEqualTo("ejected");
    assertThat(cell(r, B, "node-1")).isEqualTo("eligible");
  }

  @Test
  void mergesNodesWithUnknownWhereAViewDoesNotMentionABackend() {
    HealthMatrix m = new HealthMatrix("node-1");
    m.accept(view("node-1", "u1", 100, A, false), 0);
    m.accept(view("node-2", "u2", 100, A, true, B, false), 0);
    JsonObject r = m.render();
    assertThat(r.getJsonArray("nodes").getList()).containsExactly("node-1", "node-2");
    assertThat(r.getJsonArray("backends").stream().map(o -> ((JsonObject) o).getString("backend")))
        .containsExactly("10.0.0.2:8443", "[fd00::1]:443");
    assertThat(cell(r, A, "node-1")).isEqualTo("eligible");
    assertThat(cell(r, A, "node-2")).isEqualTo("ejected");
    assertThat(cell(r, B, "node-1")).isEqualTo("unknown");
    assertThat(cell(r, B, "node-2")).isEqualTo("eligible");
  }

  @Test
  void anOlderViewNeverReplacesANewerOneAndDuplicatesAreHarmless() {
    HealthMatrix m = new HealthMatrix("node-1");
    assertThat(m.accept(view("node-2", "u2", 200, A, true), 0)).isTrue();
    assertThat(m.accept(view("node-2", "u2", 100, A, false), 10)).isFalse();
    assertThat(cell(m.render(), A, "node-2")).isEqualTo("ejected");
    assertThat(m.accept(view("node-2", "u2", 200, A, true), 20)).isTrue();
    assertThat(m.accept(view("node-2", "u2", 300, A, false), 30)).isTrue();
    assertThat(cell(m.render(), A, "node-2")).isEqualTo("eligible");
  }

  @Test
  void staleViewsAndViewsOfDepartedMembersAreDropped() {
    HealthMatrix m = new HealthMatrix("node-1");
    m.accept(view("node-1", "u1", 0, A, false), 0);
    m.accept(view("node-2", "u2", 0, A, true), 0);
    m.accept(view("node-3", "u3", 0, A, true), 5_000);
    m.prune(5_000, Set.of("u1", "u2")::contains); // node-3 left the cluster
    assertThat(m.nodes()).containsExactly("node-1", "node-2");
    m.prune(10_001, Set.of("u1", "u2")::contains); // own view too old, node-2 silent
    assertThat(m.nodes()).containsExactly("node-1");
    assertThat(m.render().getJsonArray("backends")).isEmpty();
    m.accept(view("node-1", "u1", 12_000, A, false), 12_000);
    m.prune(12_000, u -> false); // the own node is never dropped for membership
    assertThat(cell(m.render(), A, "node-1")).isEqualTo("eligible");
  }

  @Test
  void malformedMessagesAreIgnored() {
    HealthMatrix m = new HealthMatrix("node-1");
    assertThat(m.accept(null, 0)).isFalse();
    assertThat(m.accept(new JsonObject(), 0)).isFalse();
    assertThat(m.accept(new JsonObject().put("node_id", "x").put("at", "soon").put("backends", new JsonArray()), 0))
        .isFalse();
    assertThat(m.accept(new JsonObject().put("node_id", "x").put("at", 1)
        .put("backends", new JsonArray().add("not an object")), 0)).isFalse();
    assertThat(m.nodes()).containsExactly("node-1");
  }

  @Test
  void aProbeDownBackendShowsProbeDownBeforeEjected() {
    HealthMatrix m = new HealthMatrix("node-1");
    JsonObject v = view("node-1", null, 100, A, true, B, false);
    v.getJsonArray("backends").getJsonObject(0).put("probe", "down");
    v.getJsonArray("backends").getJsonObject(1).put("probe", "up");
    m.accept(v, 1_000);
    assertThat(cell(m.render(), A, "node-1")).isEqualTo("probe_down");
    assertThat(cell(m.render(), B, "node-1")).isEqualTo("eligible");
  }

  /** A compact view: only the listed backends, the rest being the healthy set of that digest. */
  private static JsonObject compact(String node, long at, String digest, int count, Object... backendEjected) {
    return view(node, "u-" + node, at, backendEjected).put("healthy",
        new JsonObject().put("digest", digest).put("count", count));
  }

  @Test
  void aCompactViewIsExpandedWithTheSetOfAnyHeldViewOfItsDigest() {
    HealthMatrix m = new HealthMatrix("node-1");
    m.accept(view("node-1", "u-node-1", 100, A, false, B, false).put("digest", "2-ab"), 0);
    m.accept(compact("node-2", 100, "2-ab", 2, A, true), 0); // node-2 holds the same table as node-1
    JsonObject r = m.render();
    assertThat(cell(r, A, "node-2")).isEqualTo("ejected");
    assertThat(cell(r, B, "node-2")).isEqualTo("eligible");
    m.accept(compact("node-2", 200, "2-ab", 2), 0); // A restored
    assertThat(cell(m.render(), A, "node-2")).isEqualTo("eligible");
  }

  @Test
  void aCompactViewOfAnUnknownSetShowsOnlyWhatItListsUntilAFullView() {
    HealthMatrix m = new HealthMatrix("node-1");
    m.accept(view("node-1", "u-node-1", 100, A, false).put("digest", "1-aa"), 0);
    m.accept(compact("node-2", 100, "2-ab", 2, A, true), 0);
    JsonObject r = m.render();
    assertThat(cell(r, A, "node-2")).isEqualTo("ejected");
    assertThat(cell(r, B, "node-2")).isNull(); // nobody reports B yet
    m.accept(compact("node-2", 150, "1-aa", 2), 0); // a digest held, but of another size: not trusted
    assertThat(cell(m.render(), A, "node-2")).isEqualTo("unknown");
    m.accept(view("node-2", "u-node-2", 200, A, true, B, false).put("digest", "2-ab"), 0);
    m.accept(compact("node-2", 300, "2-ab", 2), 0);
    assertThat(cell(m.render(), A, "node-2")).isEqualTo("eligible");
    assertThat(cell(m.render(), B, "node-2")).isEqualTo("eligible");
    assertThat(cell(m.render(), B, "node-1")).isEqualTo("unknown");
  }
}
