package dev.ghost.ingress.cluster;

import static dev.ghost.ingress.cluster.FleetValues.served;
import static dev.ghost.ingress.cluster.FleetValues.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.sync.SyncVerticle.Served;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
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
  void aZlibSnapshotCarriesTheSameStateCompressedAndReadsBackToIt() {
    ControlPlaneState s = FleetValues.routes(10_000);
    FleetSnapshot made = FleetSnapshot.of(served(s), "node-0", 1234);
    String plain = made.encodeUtf8(FleetSnapshot.Form.PLAIN).text();
    String zlib = made.encodeUtf8(FleetSnapshot.Form.ZLIB).text();
    JsonObject json = new JsonObject(zlib);
    assertThat(json.fieldNames()).containsExactly("cursor", "hash", "published_at_ms", "leader", "state_zlib");
    byte[] packed = Base64.getDecoder().decode(json.getString("state_zlib")); // RFC 4648, one line, padded
    assertThat(new String(inflate(packed), StandardCharsets.UTF_8)).as("the plain form's state, byte for byte")
        .isEqualTo(plain.substring(plain.indexOf("\"state\":") + "\"state\":".length(), plain.length() - 1));
    assertThat(zlib.length()).as("compressed, at 10 000 routes").isLessThan(plain.length() / 10);

    FleetSnapshot read = FleetSnapshot.decode(zlib);
    assertThat(read.form()).isEqualTo(FleetSnapshot.Form.ZLIB);
    assertThat(FleetSnapshot.decode(plain).form()).isEqualTo(FleetSnapshot.Form.PLAIN);
    assertThat(List.of(read.cursor(), read.hash(), read.publishedAtMs(), read.leader()))
        .containsExactly(s.cursor(), s.contentHash(), 1234L, "node-0");
    assertThat(read.controlPlaneState()).isEqualTo(s);
    assertThat(read.encodeUtf8(FleetSnapshot.Form.PLAIN).text()).as("a read snapshot encodes to its text")
        .isEqualTo(zlib);
  }

  @Test
  void aZlibStateThatIsCorruptOrNotOneStateIsRefusedWhenItsStateIsAsked() {
    ControlPlaneState s = state(7, "rt_a");
    JsonObject good = new JsonObject(FleetSnapshot.of(served(s), "node-0", 1).encodeUtf8(FleetSnapshot.Form.ZLIB)
        .text());
    byte[] packed = Base64.getDecoder().decode(good.getString("state_zlib"));
    byte[] flipped = packed.clone();
    flipped[packed.length / 2] ^= 0x10;
    String stateJson = new String(inflate(packed), StandardCharsets.UTF_8);
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("not Base64", "!!!not base64!!!");
    bad.put("a flipped bit (Adler-32)", Base64.getEncoder().encodeToString(flipped));
    bad.put("cut short", Base64.getEncoder().encodeToString(Arrays.copyOf(packed, packed.length - 6)));
    bad.put("not zlib", Base64.getEncoder().encodeToString(stateJson.getBytes(StandardCharsets.UTF_8)));
    bad.put("two states", zlib(stateJson + stateJson));
    bad.put("not a state", zlib("{\"routes\":17}"));
    bad.put("empty", zlib(""));
    for (Map.Entry<String, String> e : bad.entrySet()) {
      FleetSnapshot snap = FleetSnapshot.decode(good.copy().put("state_zlib", e.getValue()).encode());
      assertThat(snap.cursor()).as(e.getKey()).isEqualTo(7);
      assertThatThrownBy(snap::controlPlaneState).as(e.getKey()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not a valid state");
    }
    assertThat(FleetSnapshot.decode(good.copy().put("state_zlib", zlib(stateJson)).encode()).controlPlaneState())
        .as("the same state compressed again").isEqualTo(s);
  }

  @Test
  void aZlibStateIsReadOnlyUpToItsCap() {
    String stateJson = StateFile.toJson(state(7, "rt_a"), Instant.ofEpochMilli(1)).encode();
    byte[] packed = Base64.getDecoder().decode(zlib(stateJson));
    assertThat(FleetSnapshot.inflated(packed, stateJson.length())).isEqualTo(state(7, "rt_a"));
    assertThatThrownBy(() -> FleetSnapshot.inflated(packed, stateJson.length() - 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("over " + (stateJson.length() - 1));
    // a bomb: 64 MB of spaces in 64 kB; refused after the cap, not held
    byte[] spaces = new byte[64 << 20];
    Arrays.fill(spaces, (byte) ' ');
    byte[] bomb = Base64.getDecoder().decode(zlib(new String(spaces, StandardCharsets.US_ASCII)));
    assertThat(bomb.length).isLessThan(128 << 10);
    assertThatThrownBy(() -> FleetSnapshot.inflated(bomb, 1 << 20)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("over " + (1 << 20));
  }

  @Test
  void aValueWithBothStatesOrAStateOfTheWrongKindIsRefusedWhenDecoded() {
    JsonObject plain = new JsonObject(FleetSnapshot.of(served(state(7, "rt_a")), "node-0", 1).encode());
    JsonObject zlib = new JsonObject(FleetSnapshot.of(served(state(7, "rt_a")), "node-0", 1)
        .encodeUtf8(FleetSnapshot.Form.ZLIB).text());
    for (JsonObject bad : List.of(plain.copy().put("state_zlib", zlib.getString("state_zlib")),
        zlib.copy().put("state", plain.getJsonObject("state")), zlib.copy().put("state_zlib", 17),
        plain.copy().put("state", "a string"))) {
      assertThatThrownBy(() -> FleetSnapshot.decode(bad.encode())).as(bad.fieldNames().toString())
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static byte[] inflate(byte[] zlib) {
    try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(zlib))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code text} compressed in the zlib format, in Base64: a {@code state_zlib} value. */
  private static String zlib(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
      z.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Base64.getEncoder().encodeToString(out.toByteArray());
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
