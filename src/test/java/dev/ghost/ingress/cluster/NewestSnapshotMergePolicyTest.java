package dev.ghost.ingress.cluster;

import static dev.ghost.ingress.cluster.FleetValues.merging;
import static dev.ghost.ingress.cluster.FleetValues.served;
import static dev.ghost.ingress.cluster.FleetValues.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.sync.ControlPlaneState;
import org.junit.jupiter.api.Test;

/** The routing map's split-brain merge keeps the snapshot with the higher cursor, else the surviving side's. */
class NewestSnapshotMergePolicyTest {

  private final ClusterTrust trust = ClusterTrust.insecure();
  private final NewestSnapshotMergePolicy policy = new NewestSnapshotMergePolicy();

  private String sealed(long eventId, String routeId) {
    ControlPlaneState s = state(eventId, routeId);
    return trust.seal(TrustChannel.SNAPSHOT, FleetCoordinator.SNAPSHOT_KEY, "node-0",
        FleetSnapshot.of(served(s), "node-0", 1).encode());
  }

  @Test
  void theHigherCursorWinsFromEitherSide() {
    String older = sealed(5, "rt_a");
    String newer = sealed(9, "rt_b");
    assertThat(policy.merge(merging(newer), merging(older))).isEqualTo(newer);
    assertThat(policy.merge(merging(older), merging(newer))).isEqualTo(newer);
  }

  @Test
  void equalCursorsOrUnreadableValuesKeepTheSurvivingSide() {
    String one = sealed(7, "rt_a");
    String other = sealed(7, "rt_b");
    assertThat(policy.merge(merging(one), merging(other))).isEqualTo(other);
    assertThat(policy.merge(merging("not json"), merging(other))).isEqualTo(other);
    assertThat(policy.merge(merging(one), merging("{\"body\":\"[]\"}"))).isEqualTo(one);
    assertThat(policy.merge(merging(one), null)).isEqualTo(one);
  }
}
