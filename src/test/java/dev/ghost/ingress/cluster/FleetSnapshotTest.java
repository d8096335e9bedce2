package dev.ghost.ingress.cluster;

import static dev.ghost.ingress.cluster.FleetValues.served;
import static dev.ghost.ingress.cluster.FleetValues.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.sync.SyncVerticle.Served;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The snapshot's version order, its JSON round trip, and the {@code /v1/fleet} rendering. */
class FleetSnapshotTest {

  @Test
  void roundTripKeepsVersionAndState() {
    ControlPlaneState s = state(7, "rt_a");
    FleetSnapshot snap = FleetSnapshot.decode(FleetSnapshot.of(served(s), "node-0", 1234).encode());
    assertThat(snap.cursor()).isEqualTo(s.cursor());
    assertThat(snap.hash()).isEqualTo(s.contentHash());
    assertThat(snap.leader()).isEqualTo("node-0");
    assertThat(snap.publishedAtMs()).isEqualTo(1234);
    assertThat(snap.controlPlaneState()).isEqualTo(s);
    assertThat(FleetSnapshot.decode(null)).isNull();
  }

  @Test
  void theEncodedStateIsTheStateFilesJsonAndAReadSnapshotEncodesToItsText() {
    ControlPlaneState s = state(7, "rt_a");
    String encoded = FleetSnapshot.of(served(s), "node-0", 1234).encode();
    JsonObject json = new JsonObject(encoded);
    assertThat(json.getJsonObject("state")).isEqualTo(StateFile.toJson(s, Instant.ofEpochMilli(1234)));
    assertThat(json.fieldNames()).containsExactly("cursor", "hash", "published_at_ms", "leader", "state");
    assertThat(FleetSnapshot.decode(encoded).encode()).isEqualTo(encoded);
  }

  @Test
  void aValueWithoutItsVersionOrStateIsRefusedWhenDecoded() {
    JsonObject good = new JsonObject(FleetSnapshot.of(served(state(7, "rt_a")), "node-0", 1).encode());
    for (String field : List.of("cursor", "hash", "published_at_ms", "leader", "state")) {
      JsonObject missing = good.copy();
      missing.remove(field);
      assertThatThrownBy(() -> FleetSnapshot.decode(missing.encode())).as(field)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> FleetSnapshot.decode(good.copy().put("cursor", "7").encode()))
        .isInstanceOf(IllegalArgumentException.class);
    String text = good.encode();
    assertThatThrownBy(() -> FleetSnapshot.decode(text.substring(0, text.length() - 2)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aStateCutShortIsRefusedAndOneFollowedByMoreFieldsIsRead() {
    ControlPlaneState s = state(7, "rt_a");
    String text = FleetSnapshot.of(served(s), "node-0", 1).encode();
    for (int cut : new int[] {text.length() / 2, text.indexOf("\"state\"") + 12, text.length() - 1}) {
      assertThatThrownBy(() -> FleetSnapshot.decode(text.substring(0, cut))).as("cut at %d", cut)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> FleetSnapshot.decode(text + "}")).isInstanceOf(IllegalArgumentException.class);
    String later = text.substring(0, text.length() - 1) + ",\"added_later\":{\"x\":[1,\"}\"]}}";
    FleetSnapshot read = FleetSnapshot.decode(later);
    assertThat(read.cursor()).isEqualTo(7);
    assertThat(read.controlPlaneState()).isEqualTo(s);
    String first = "{\"state\":" + new JsonObject(text).getJsonObject("state").encode() + ",\"cursor\":7,\"hash\":\""
        + s.contentHash() + "\",\"published_at_ms\":1,\"leader\":\"node-0\"}";
    assertThat(FleetSnapshot.decode(first).controlPlaneState()).as("the state before the version").isEqualTo(s);
  }

  @Test
  void aSnapshotWhoseStateIsNotValidSaysSoWhenItsStateIsAsked() {
    JsonObject json = new JsonObject(FleetSnapshot.of(served(state(7, "rt_a")), "node-0", 1).encode());
    json.getJsonObject("state").remove("routes");
    FleetSnapshot snap = FleetSnapshot.decode(json.encode());
    assertThat(snap.cursor()).isEqualTo(7);
    assertThatThrownBy(snap::controlPlaneState).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("routes");
  }

  @Test
  void onlyANewerOrEqualCursorWithOtherContentIsTaken() {
    FleetSnapshot at7 = FleetSnapshot.of(served(state(7, "rt_a")), "node-0", 1);
    assertThat(at7.supersedes(served(state(5, "rt_a")))).as("newer cursor").isTrue();
    assertThat(at7.supersedes(served(state(9, "rt_a")))).as("older than the local last-known-good").isFalse();
    assertThat(at7.supersedes(served(state(7, "rt_a")))).as("same version").isFalse();
    assertThat(at7.supersedes(served(state(7, "rt_b")))).as("same cursor, other content").isTrue();
    ControlPlaneState empty = ControlPlaneState.EMPTY;
    assertThat(at7.supersedes(new Served(empty, empty.contentHash(), false))).as("serving nothing yet").isTrue();
  }

  @Test
  void fleetViewMarksDivergenceLivenessAndPropagation() {
    FleetSnapshot snap = FleetSnapshot.of(served(state(7, "rt_a")), "node-0", 1_000);
    String h = snap.hash();
    List<FleetEntry> entries = List.of(new FleetEntry("node-0", "m0", 7, h, 1_000),
        new FleetEntry("node-1", "m1", 7, h, 1_250), new FleetEntry("node-2", "m2", 5, "other", 900));
    JsonObject view = FleetView.render("node-0", entries, Set.of("m0", "m1"), snap);
    assertThat(view.getString("leader")).isEqualTo("node-0");
    JsonObject n2 = view.getJsonArray("nodes").getJsonObject(2);
    assertThat(n2.getString("node_id")).isEqualTo("node-2");
    assertThat(n2.getBoolean("alive")).isFalse();
    assertThat(n2.getBoolean("diverged")).isTrue();
    assertThat(view.getJsonArray("nodes").getJsonObject(1).getBoolean("diverged")).isFalse();
    assertThat(view.getLong("last_propagation_ms")).isEqualTo(250);
    assertThat(view.getJsonArray("nodes").getJsonObject(0).fieldNames())
        .containsExactlyInAnyOrder("node_id", "version", "hash", "applied_at", "alive", "diverged", "draining");
    assertThat(view.getJsonArray("nodes").getJsonObject(0).getBoolean("draining")).isFalse();

    JsonObject pending = FleetView.render("node-0", entries, Set.of("m0", "m1", "m2"), snap);
    assertThat(pending.getValue("last_propagation_ms")).as("a live node does not serve it yet").isNull();
  }

  @Test
  void aDrainingNodeIsShownAndItsEntryRoundTrips() {
    FleetEntry draining = new FleetEntry("node-1", "m1", 7, "h", 1_000, true);
    assertThat(FleetEntry.decode(draining.encode())).isEqualTo(draining);
    assertThat(FleetEntry.decode("{\"node_id\":\"n\",\"member\":\"m\",\"version\":1,\"hash\":\"h\","
        + "\"applied_at_ms\":5}").draining()).as("an entry of an older node").isFalse();
    JsonObject view = FleetView.render("node-1", List.of(draining), Set.of("m1"), null);
    assertThat(view.getJsonArray("nodes").getJsonObject(0).getBoolean("draining")).isTrue();
  }
}
