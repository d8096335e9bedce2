package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node started under the id of a fleet member already serving (a copied config, a forgotten
 * {@code GHOST_NODE_ID}) would overwrite that member's fleet entry and health view and share its admin commands.
 * It refuses to start instead: one line naming the id, the member's address and the setting, exit code 2 (as for a
 * bad setting), no stack trace; the member serving keeps its place in the fleet. Without a control plane, two nodes
 * under one id each log the other.
 */
class TakenNodeIdIT {

  static final String TOKEN = "cp_test_taken_node_id";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void aNodeStartedUnderTheIdOfAServingMemberExitsTwoAndTheMemberStays() throws Exception {
    try (SyncedFleet synced = SyncedFleet.start("taken-node-id-", TOKEN, 1, new TestFleet.Options(), i -> Map.of());
        JarProcess newcomer = synced.fleet().startNewcomer("node-0", Map.of())) {
      TestFleet fleet = synced.fleet();

      assertThat(newcomer.awaitExit(TestFleet.START_DEADLINE)).as(newcomer.describe()).isEqualTo(2);
      assertThat(newcomer.stderr()).as(newcomer.describe()).hasSize(1);
      assertThat(newcomer.stderr().get(0)).contains("GHOST_NODE_ID").contains("node id 'node-0' is taken")
          .contains(":" + fleet.node(0).clusterPort()).contains("node.id");
      assertThat(JarProcess.stackTraceLines(newcomer.stderr())).isEmpty();

      // the member that was there first still serves, alone again, and its fleet view names it once
      fleet.awaitMembers(1, Duration.ofSeconds(30));
      Await.until("node-0 listed once in its /v1/fleet", () -> {
        JsonArray nodes = fleetNodes(fleet);
        return nodes != null && nodes.size() == 1 && "node-0".equals(nodes.getJsonObject(0).getString("node_id"));
      });
      assertThat(fleet.status(0).getString("phase")).isEqualTo("serving");
    }
  }

  /**
   * Without a control plane no proof map tells who uses an id, but the health views do: each node sees the other's
   * views under its own id and logs one ERROR naming that member.
   */
  @Test
  void twoNodesUnderOneIdInAFleetWithoutAControlPlaneEachNameTheOther() throws Exception {
    try (TestFleet fleet = TestFleet.start(2, new TestFleet.Options().env(i -> Map.of("GHOST_NODE_ID", "twin")))) {
      for (int i : new int[] {0, 1}) {
        String other = fleet.status(1 - i).getJsonObject("cluster").getString("node_id");
        JarProcess p = fleet.node(i).process();
        p.awaitLog("health: another member publishes health views under this node's id; give every node its own",
            j -> "ERROR".equals(j.getString("level")) && other.equals(j.getString("member")),
            Duration.ofSeconds(30));
      }
    }
  }

  private static JsonArray fleetNodes(TestFleet fleet) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(fleet.node(0).admin("/v1/fleet")))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("nodes") : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
