package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.ProbeStatus;
import dev.ghost.ingress.route.Backend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The health views a node publishes: a compact view while all is healthy, whose size does not grow with the number
 * of backends, and a full one whenever a compact view could not say exactly the same; {@link HealthMatrix} renders
 * both alike.
 */
class HealthViewsTest {

  private static Set<Backend> backends(int n) {
    Set<Backend> out = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      out.add(new Backend("fd00::" + Integer.toHexString(i + 1), 443));
    }
    return out;
  }

  /** A node's state: its table's backends, all probed up. */
  private static BackendHealth allUp(Set<Backend> table) {
    BackendHealth health = new BackendHealth();
    table.forEach(b -> health.probes().set(b, ProbeStatus.UP));
    return health;
  }

  private static JsonObject next(HealthViews views, BackendHealth health, long at) {
    return views.view("periodic", List.of(), null, at, health.snapshot(), health.probes());
  }

  private static int bytes(JsonObject view) {
    return view.encode().getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void whileAllIsHealthyTheViewDoesNotGrowWithTheBackends() {
    int[] sizes = new int[2];
    int[] counts = {10, 2_000};
    for (int i = 0; i < counts.length; i++) {
      Set<Backend> table = backends(counts[i]);
      HealthViews views = new HealthViews("node-1");
      views.table(table);
      BackendHealth health = allUp(table);
      JsonObject first = next(views, health, 1);
      assertThat(first.getJsonArray("backends")).hasSize(counts[i]);
      assertThat(first.containsKey("healthy")).isFalse();
      JsonObject second = next(views, health, 2);
      assertThat(second.getJsonArray("backends")).as("rows of a compact view").isEmpty();
      assertThat(second.getJsonObject("healthy").getInteger("count")).isEqualTo(counts[i]);
      sizes[i] = bytes(second);
    }
    // the digest's text may be a few characters longer; 200 times the backends must not show
    assertThat(sizes[1]).isLessThan(sizes[0] + 16).isLessThan(300);
  }

  @Test
  void aCompactViewListsExactlyTheUnhealthyBackends() {
    Set<Backend> table = backends(100);
    HealthViews views = new HealthViews("node-1");
    views.table(table);
    BackendHealth health = allUp(table);
    next(views, health, 1);
    Backend ejected = new Backend("fd00::7", 443);
    Backend down = new Backend("fd00::9", 443);
    health.connectFailed(ejected, health.now());
    health.probes().set(down, ProbeStatus.DOWN);

    JsonObject view = next(views, health, 2);
    assertThat(view.containsKey("healthy")).isTrue();
    assertThat(view.getJsonArray("backends")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("backend", "[fd00::7]:443").put("ejected", true).put("consecutive_failures", 1)
            .put("probe", "up"))
        .add(new JsonObject().put("backend", "[fd00::9]:443").put("ejected", false).put("consecutive_failures", 0)
            .put("probe", "down")));
  }

  @Test
  void fullWhenABackendHasNoVerdictWhenTheSetChangesAndEveryFullEveryViews() {
    Set<Backend> table = backends(20);
    HealthViews views = new HealthViews("node-1");
    views.table(table);
    BackendHealth health = new BackendHealth(); // probing off: every backend unknown
    for (int i = 0; i < 3; i++) {
      JsonObject v = next(views, health, i);
      assertThat(v.containsKey("healthy")).isFalse();
      assertThat(v.getJsonArray("backends").getJsonObject(0).getString("probe")).isEqualTo("unknown");
    }
    table.forEach(b -> health.probes().set(b, ProbeStatus.UP));
    int full = 0;
    for (int i = 0; i < 3 * HealthViews.FULL_EVERY; i++) {
      full += next(views, health, 10 + i).containsKey("healthy") ? 0 : 1;
    }
    assertThat(full).as("full views among " + 3 * HealthViews.FULL_EVERY).isEqualTo(3);

    Set<Backend> grown = new LinkedHashSet<>(table);
    grown.add(new Backend("10.0.0.1", 8443));
    health.probes().set(new Backend("10.0.0.1", 8443), ProbeStatus.UP);
    views.table(grown);
    assertThat(next(views, health, 100).getJsonArray("backends")).as("the new set, in full").hasSize(21);
    assertThat(next(views, health, 101).containsKey("healthy")).isTrue();
  }

  @Test
  void theMatrixRendersACompactViewLikeTheFullOne() {
    Set<Backend> table = backends(50);
    HealthViews views = new HealthViews("node-1");
    views.table(table);
    BackendHealth health = allUp(table);
    health.connectFailed(new Backend("fd00::3", 443), health.now());
    health.probes().set(new Backend("fd00::5", 443), ProbeStatus.DOWN);
    health.connectFailed(new Backend("192.0.2.1", 443), health.now()); // not in the table: listed too

    HealthMatrix fromFull = new HealthMatrix("node-1");
    JsonObject full = next(views, health, 1);
    assertThat(full.containsKey("healthy")).isFalse();
    fromFull.accept(full, 1);
    JsonObject compact = next(views, health, 2);
    assertThat(compact.containsKey("healthy")).isTrue();
    assertThat(compact.getJsonArray("backends")).hasSize(3);

    fromFull.accept(compact, 2);
    HealthMatrix fullOnly = new HealthMatrix("node-1");
    fullOnly.accept(full, 1);
    assertThat(fromFull.render().getJsonArray("backends")).hasSize(51);
    assertThat(fromFull.render()).isEqualTo(fullOnly.render());

    HealthMatrix receiver = new HealthMatrix("node-2"); // another node: node-1's set only from its full view
    receiver.accept(full, 1);
    JsonObject afterFull = receiver.render();
    receiver.accept(compact, 2);
    assertThat(receiver.render()).isEqualTo(afterFull);
  }
}
