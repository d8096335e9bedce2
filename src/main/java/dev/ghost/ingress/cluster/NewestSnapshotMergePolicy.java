package dev.ghost.ingress.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.vertx.core.json.JsonObject;

/**
 * Hazelcast merge policy of {@value FleetCoordinator#ROUTING_MAP} (set in {@code cluster/hazelcast.xml}): when two
 * sides of a split brain merge, each entry of the routing log (the base snapshot, the head, each delta: every one
 * carries a {@code cursor}) keeps the value with the higher control-plane cursor, so the merged cluster holds the
 * newest table either side had. Entries are merged one by one, so the merged log may mix both sides: a node checks
 * that each delta applies to the version it reached and the result's hash, else it reads the base, and the leader
 * writes a new base when a merged base or delta in use is not its own (see {@link FleetReplication}). Hazelcast's
 * default, put-if-absent, would keep the larger side's value even when the smaller side synced further meanwhile.
 * On equal cursors, or when a value cannot be read, the surviving cluster's value stays.
 *
 * <p>The seal is not checked here (the policy has no secret): a forged value can win a merge as it can be written
 * at any time, and every reader refuses it and the leader overwrites it (see {@link FleetCoordinator}).
 */
public final class NewestSnapshotMergePolicy implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

  /** Public no-argument constructor: Hazelcast instantiates the policy by class name. */
  public NewestSnapshotMergePolicy() {}

  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    if (merging == null) {
      return existing.getRawValue();
    }
    return cursorOf(merging.getValue()) > cursorOf(existing.getValue()) ? merging.getRawValue()
        : existing.getRawValue();
  }

  /** The cursor of a sealed {@link FleetSnapshot}, {@link FleetHead} or {@link FleetDelta}; -1 for anything else. */
  static long cursorOf(Object sealed) {
    if (!(sealed instanceof String s)) {
      return -1;
    }
    try {
      Long cursor = new JsonObject(new JsonObject(s).getString("body")).getLong("cursor");
      return cursor == null ? -1 : cursor;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // stateless
  }

  @Override
  public void readData(ObjectDataInput in) {
    // stateless
  }
}
