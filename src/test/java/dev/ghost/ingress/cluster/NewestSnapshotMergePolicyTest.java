package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.spi.merge.MergingValue;
import dev.ghost.ingress.sync.ControlPlaneState;
import org.junit.jupiter.api.Test;

/** The routing map's split-brain merge keeps the snapshot with the higher cursor, else the surviving side's. */
class NewestSnapshotMergePolicyTest {

  private final ClusterTrust trust = ClusterTrust.insecure();
  private final NewestSnapshotMergePolicy policy = new NewestSnapshotMergePolicy();

  private String sealed(long eventId, String routeId) {
    ControlPlaneState s = FleetSnapshotTest.state(eventId, routeId);
    return trust.seal(TrustChannel.SNAPSHOT, FleetCoordinator.SNAPSHOT_KEY, "node-0",
        FleetSnapshot.of(FleetSnapshotTest.served(s), "node-0", 1).encode());
  }

  private static MergingValue<Object> value(Object v) {
    return new MergingValue<>() {
      @Override
      public Object getValue() {
        return v;
      }

      @Override
      public Object getRawValue() {
        return v;
      }
    };
  }

  @Test
  void theHigherCursorWinsFromEitherSide() {
    String older = sealed(5, "rt_a");
    String newer = sealed(9, "rt_b");
    assertThat(policy.merge(value(newer), value(older))).isEqualTo(newer);
    assertThat(policy.merge(value(older), value(newer))).isEqualTo(newer);
  }

  @Test
  void equalCursorsOrUnreadableValuesKeepTheSurvivingSide() {
    String one = sealed(7, "rt_a");
    String other = sealed(7, "rt_b");
    assertThat(policy.merge(value(one), value(other))).isEqualTo(other);
    assertThat(policy.merge(value("not json"), value(other))).isEqualTo(other);
    assertThat(policy.merge(value(one), value("{\"body\":\"[]\"}"))).isEqualTo(one);
    assertThat(policy.merge(value(one), null)).isEqualTo(one);
  }
}
