package dev.ghost.ingress.cluster;

import static dev.ghost.ingress.cluster.FleetValues.merging;
import static dev.ghost.ingress.cluster.FleetValues.served;
import static dev.ghost.ingress.cluster.FleetValues.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.StateDelta;
import dev.ghost.ingress.sync.SyncVerticle.Served;
import org.junit.jupiter.api.Test;

/**
 * The routing log's head and delta entries: their JSON round trip, the version rules, the seal bound to each key,
 * and the split-brain merge (the higher cursor wins, as for the base snapshot).
 */
class FleetLogEntriesTest {

  private final ClusterTrust trust = ClusterTrust.ofSecret("fleet-secret-fleet-secret-fleet-secret-0123".getBytes(
      java.nio.charset.StandardCharsets.UTF_8));

  private static FleetHead head(long seq, long cursor, String hash) {
    return new FleetHead(seq, cursor, hash, 1_000, "node-0", seq - 1, cursor - 1, "b", 900, 1, 700, 90_000);
  }

  private static FleetDelta delta(ControlPlaneState from, ControlPlaneState to, long seq) {
    return new FleetDelta(seq, from.cursor(), from.contentHash(), to.cursor(), to.contentHash(), 5, "node-0",
        StateDelta.diff(from, to));
  }

  @Test
  void headAndDeltaRoundTrip() {
    FleetHead h = head(7, 44, "abc");
    assertThat(FleetHead.decode(h.encode())).isEqualTo(h);
    ControlPlaneState a = state(5, "rt_a");
    ControlPlaneState b = state(9, "rt_b");
    FleetDelta d = FleetDelta.decode(delta(a, b, 3).encode());
    assertThat(d.seq()).isEqualTo(3);
    assertThat(d.appliesTo(a.cursor(), a.contentHash())).isTrue();
    assertThat(d.appliesTo(b.cursor(), b.contentHash())).isFalse();
    assertThat(d.change().applyTo(a).contentHash()).isEqualTo(d.hash());
    assertThatThrownBy(() -> FleetHead.decode("{\"seq\":1}")).isInstanceOf(RuntimeException.class);
    // a head of a version before size-based compaction: sizes unknown (0), so the next check writes a base
    io.vertx.core.json.JsonObject older = new io.vertx.core.json.JsonObject(h.encode());
    older.remove("log_chars");
    older.remove("base_chars");
    assertThat(FleetHead.decode(older.encode()).logChars()).isZero();
    assertThat(FleetHead.decode(older.encode()).baseChars()).isZero();
  }

  @Test
  void aVersionIsTakenOnlyWhenNewerOrOtherContentAtTheSameCursor() {
    ControlPlaneState s = state(7, "rt_a");
    Served own = served(s);
    assertThat(head(2, 7, own.hash()).servedBy(own)).isTrue();
    assertThat(head(2, 7, own.hash()).supersedes(own)).as("same version").isFalse();
    assertThat(head(2, 6, "x").supersedes(own)).as("older").isFalse();
    assertThat(head(2, 7, "x").supersedes(own)).as("same cursor, other content").isTrue();
    assertThat(head(2, 8, "x").supersedes(own)).as("newer").isTrue();
    assertThat(head(2, 1, "x").supersedes(new Served(s, own.hash(), false))).as("serving nothing yet").isTrue();
  }

  @Test
  void aSealedDeltaVerifiesOnlyUnderItsOwnKeyAndChannel() {
    ControlPlaneState a = state(5, "rt_a");
    String sealed = trust.seal(TrustChannel.DELTA, FleetLog.deltaKey(3), "node-0",
        delta(a, state(9, "rt_b"), 3).encode());
    assertThat(trust.unseal(TrustChannel.DELTA, FleetLog.deltaKey(3), sealed).refusal()).isNull();
    assertThat(trust.unseal(TrustChannel.DELTA, FleetLog.deltaKey(4), sealed).refusal())
        .as("replayed at another sequence").isEqualTo(TrustRefusal.BAD_MAC);
    assertThat(trust.unseal(TrustChannel.SNAPSHOT, FleetLog.deltaKey(3), sealed).refusal())
        .isEqualTo(TrustRefusal.BAD_MAC);
    assertThat(FleetLog.deltaSeq(FleetLog.deltaKey(42))).isEqualTo(42);
    assertThat(FleetLog.deltaSeq(FleetLog.HEAD_KEY)).isEqualTo(-1);
    assertThat(FleetLog.deltaSeq("delta:x")).isEqualTo(-1);
  }

  @Test
  void theMergeKeepsTheHeadAndTheDeltaWithTheHigherCursor() {
    NewestSnapshotMergePolicy policy = new NewestSnapshotMergePolicy();
    String older = trust.seal(TrustChannel.SNAPSHOT, FleetLog.HEAD_KEY, "node-0", head(3, 10, "a").encode());
    String newer = trust.seal(TrustChannel.SNAPSHOT, FleetLog.HEAD_KEY, "node-1", head(2, 12, "b").encode());
    assertThat(policy.merge(merging(older), merging(newer))).isEqualTo(newer);
    assertThat(policy.merge(merging(newer), merging(older))).isEqualTo(newer);
    ControlPlaneState a = state(5, "rt_a");
    String d5 = trust.seal(TrustChannel.DELTA, FleetLog.deltaKey(3), "n", delta(a, state(6, "rt_b"),
        3).encode());
    String d9 = trust.seal(TrustChannel.DELTA, FleetLog.deltaKey(3), "n", delta(a, state(9, "rt_b"),
        3).encode());
    assertThat(policy.merge(merging(d5), merging(d9))).isEqualTo(d9);
    assertThat(policy.merge(merging(d9), merging(d5))).isEqualTo(d9);
  }
}
