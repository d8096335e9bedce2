package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Member;
import com.hazelcast.map.IMap;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A fleet joined by a member of an older version, one that reads base snapshots only in their plain form: the
 * leader writes its base compressed ({@link FleetSnapshot.Form#ZLIB}) while every trusted member's proof says it
 * reads that form, and rewrites it plain, which every version reads, as soon as a member whose proof does not say
 * so has proved itself, so that member can catch up from it.
 */
class OlderMemberIT {

  static final String TOKEN = "older-member-it-token";
  static final Duration DEADLINE = Duration.ofSeconds(30);

  @Test
  void theBaseIsCompressedUntilAMemberThatReadsOnlyPlainBasesJoinsThenPlain() throws Exception {
    try (SyncedFleet synced = SyncedFleet.start("older-member-", TOKEN, 2, new TestFleet.Options(), i -> Map.of())) {
      TestFleet fleet = synced.fleet();
      JarProcess leader = fleet.node(0).process();
      synced.addRoute("rt_a", "a.example.com", 18443);
      leader.awaitLog("fleet: base snapshot written", j -> "state_zlib".equals(j.getString("form")), DEADLINE);
      Await.until("rt_a on both nodes", DEADLINE, () -> fleet.indexes().allMatch(
          i -> synced.routeIds(i).contains("rt_a")), fleet::describe);

      ClusterTrust trust = synced.trust();
      try (StrangerMember older = StrangerMember.join(fleet.clusterName(), "older-node", trust,
          Arrays.asList(fleet.memberList().split(",")))) {
        Member self = older.hazelcast().getCluster().getLocalMember();
        String uuid = self.getUuid().toString();
        // a proof as a node of the version before compressed bases writes it: no "reads"
        String proof = new JsonObject().put("member", uuid).put("node_id", "older-node")
            .put("address", self.getAddress().toString()).encode();
        older.hazelcast().<String, String>getMap(FleetCoordinator.MEMBERS_MAP).set(uuid,
            trust.seal(TrustChannel.MEMBER_ENTRY, uuid, "older-node", proof), 60, TimeUnit.SECONDS);

        leader.awaitLog("fleet: base snapshot written", j -> "state".equals(j.getString("form")), DEADLINE);
        IMap<String, String> routing = older.hazelcast().getMap(FleetCoordinator.ROUTING_MAP);
        String body = trust.open(TrustChannel.SNAPSHOT, FleetCoordinator.SNAPSHOT_KEY,
            routing.get(FleetCoordinator.SNAPSHOT_KEY));
        assertThat(new JsonObject(body).fieldNames()).as("what an older node reads").contains("state")
            .doesNotContain("state_zlib");
        FleetSnapshot base = FleetSnapshot.decode(body);
        assertThat(base.controlPlaneState().routes()).containsKey("rt_a");
      }
      assertThat(fleet.indexes().allMatch(i -> synced.routeIds(i).contains("rt_a"))).isTrue();
    }
  }
}
