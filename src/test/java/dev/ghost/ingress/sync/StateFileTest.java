package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.route.Backend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {

  @TempDir
  Path dir;

  static final Instant WRITTEN = Instant.parse("2025-12-20T10:00:00Z");

  static ControlPlaneState sample() {
    List<CpEvent> events = new ArrayList<>(EventDecoderTest.contractPage().subList(0, 2));
    events.add(ControlPlaneStateTest.created(50, "rt_gone", "gone.example"));
    events.add(new CpEvent.RouteDeleted(51, "rt_gone"));
    events.add(new CpEvent.EnvIpv4Enabled(52, "env_01JFW", "app_01JFW", "203.0.113.7"));
    events.add(new CpEvent.EnvIpv4Disabled(53, "env_old", null));
    events.add(new CpEvent.RouteCreated(54, new CpRoute("rt_raw", "app_1", "env_1", null, 5432,
        dev.ghost.ingress.route.Protocol.TCP_RAW, "db", 5432, false, false, true, "198.51.100.1", 54)));
    return ControlPlaneState.EMPTY.apply(events).next()
        .withBackends("rt_01JFX", List.of(new Backend("fd5a:1:2:1::7", 9443), new Backend("fd5a:1:2:1::8", 9443)));
  }

  @Test
  void roundTrip() throws IOException {
    Path file = dir.resolve("state.json");
    ControlPlaneState state = sample();

    StateFile.write(file, state, WRITTEN);
    StateFile.Loaded loaded = StateFile.read(file);

    assertThat(loaded).isInstanceOf(StateFile.Loaded.Ok.class);
    StateFile.Loaded.Ok ok = (StateFile.Loaded.Ok) loaded;
    assertThat(ok.writtenAt()).isEqualTo(WRITTEN);
    assertThat(ok.state()).isEqualTo(state);
    assertThat(ok.state().cursor()).isEqualTo(54);
    assertThat(ok.state().contentHash()).isEqualTo(state.contentHash());
    // The restored bookkeeping keeps a resumed sync idempotent: old events replayed change nothing.
    assertThat(ok.state().apply(List.of(ControlPlaneStateTest.created(50, "rt_gone", "gone.example"),
        new CpEvent.RouteUpdated(43, "rt_01JFX", new RoutePatch(null, 1, null, null, null, null)))).next()
        .sameContent(state)).isTrue();
    JsonObject json = new JsonObject(Files.readString(file));
    assertThat(json.getString("format")).isEqualTo("ghost-ingress-state/1");
    assertThat(json.getJsonArray("routes").getJsonObject(0).getLong("created_event_id")).isEqualTo(42);
  }

  @Test
  void emptyStateRoundTrips() throws IOException {
    Path file = dir.resolve("state.json");
    StateFile.write(file, ControlPlaneState.EMPTY);
    assertThat(((StateFile.Loaded.Ok) StateFile.read(file)).state()).isEqualTo(ControlPlaneState.EMPTY);
  }

  @Test
  void atomicWriteLeavesNoTempFileAndReplaces() throws IOException {
    Path file = dir.resolve("state.json");
    StateFile.write(file, ControlPlaneState.EMPTY, WRITTEN);
    StateFile.write(file, sample(), WRITTEN);

    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
    assertThat(((StateFile.Loaded.Ok) StateFile.read(file)).state().cursor()).isEqualTo(54);
  }

  @Test
  void failedWriteLeavesNoTempFileAndKeepsTheOldFile() throws IOException {
    Path file = dir.resolve("state.json");
    StateFile.write(file, sample(), WRITTEN);
    Path blocker = dir.resolve("blocked");
    Files.createDirectories(blocker.resolve("child")); // a non-empty directory cannot be replaced by a rename

    boolean failed = false;
    try {
      StateFile.write(blocker, ControlPlaneState.EMPTY, WRITTEN);
    } catch (IOException e) {
      failed = true;
    }

    assertThat(failed).isTrue();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactlyInAnyOrder(file, blocker);
    }
    assertThat(StateFile.read(file)).isInstanceOf(StateFile.Loaded.Ok.class);
  }

  @Test
  void missing() {
    assertThat(StateFile.read(dir.resolve("nope.json"))).isEqualTo(new StateFile.Loaded.Missing());
  }

  @Test
  void truncatedIsCorrupt() throws IOException {
    Path file = dir.resolve("state.json");
    StateFile.write(file, sample(), WRITTEN);
    byte[] bytes = Files.readAllBytes(file);
    for (int cut : new int[] {0, 1, bytes.length / 2, bytes.length - 2}) {
      Files.write(file, java.util.Arrays.copyOf(bytes, cut));
      assertThat(StateFile.read(file)).as("cut at %d", cut).isInstanceOf(StateFile.Loaded.Corrupt.class);
    }
  }

  @Test
  void notJsonOrWrongTypesIsCorrupt() throws IOException {
    Path file = dir.resolve("state.json");
    for (String body : List.of("hello", "[1,2]", "{}", "\u0000\u0001",
        "{\"format\":\"ghost-ingress-state/1\"}",
        "{\"format\":\"ghost-ingress-state/1\",\"written_at\":\"yesterday\",\"cursor\":1,\"routes\":[],"
            + "\"env_ipv4\":[],\"backends\":{},\"env_event_ids\":{},\"deleted_routes\":{},\"applied_event_ids\":[]}")) {
      Files.writeString(file, body);
      assertThat(StateFile.read(file)).as(body).isInstanceOf(StateFile.Loaded.Corrupt.class);
    }
    Path good = dir.resolve("good.json");
    StateFile.write(good, sample(), WRITTEN);
    JsonObject json = new JsonObject(Files.readString(good));
    json.put("cursor", "44");
    Files.writeString(file, json.encode());
    assertThat(StateFile.read(file)).isInstanceOf(StateFile.Loaded.Corrupt.class);

    json = new JsonObject(Files.readString(good));
    json.getJsonArray("routes").getJsonObject(0).put("listen_port", 0);
    Files.writeString(file, json.encode());
    assertThat(StateFile.read(file)).isInstanceOf(StateFile.Loaded.Corrupt.class);

    json = new JsonObject(Files.readString(good));
    json.getJsonObject("backends").put("rt_unknown", new JsonArray().add("[fd::1]:1"));
    Files.writeString(file, json.encode());
    assertThat(StateFile.read(file)).isInstanceOf(StateFile.Loaded.Corrupt.class);
  }

  @Test
  void foreignVersion() throws IOException {
    Path file = dir.resolve("state.json");
    Files.writeString(file, "{\"format\":\"ghost-ingress-state/2\",\"cursor\":\"whatever\"}");
    assertThat(StateFile.read(file)).isEqualTo(new StateFile.Loaded.ForeignVersion("ghost-ingress-state/2"));
  }

  @Test
  void keyOrderInTheFileDoesNotMatter() throws IOException {
    Path file = dir.resolve("state.json");
    ControlPlaneState state = sample();
    StateFile.write(file, state, WRITTEN);
    JsonObject json = new JsonObject(Files.readString(file));

    Files.writeString(file, reversed(json).encode(), StandardCharsets.UTF_8);
    StateFile.Loaded.Ok ok = (StateFile.Loaded.Ok) StateFile.read(file);

    assertThat(ok.state()).isEqualTo(state);
    assertThat(ok.state().contentHash()).isEqualTo(state.contentHash());
  }

  @Test
  void aGroupsRoutesShareOneBackendSetAndTheirTextsWhenRead() throws IOException {
    List<Backend> set = List.of(new Backend("fd5a:1:2:1::7", 8443), new Backend("fd5a:1:2:1::8", 8443));
    java.util.Map<String, CpRoute> routes = new java.util.HashMap<>();
    java.util.Map<String, List<Backend>> backends = new java.util.HashMap<>();
    for (int i = 0; i < 3; i++) {
      String id = "rt_" + i;
      routes.put(id, new CpRoute(id, "app_1", "env_1", "r" + i + ".example", 443,
          dev.ghost.ingress.route.Protocol.TLS_PASSTHROUGH, "web", 8443, false, false, false, null, i + 1));
      backends.put(id, set);
    }
    Path file = dir.resolve("state.json");
    StateFile.write(file, ControlPlaneState.restore(3, routes, java.util.Map.of(), backends, java.util.Map.of(),
        java.util.Map.of(), java.util.Map.of(), List.of()), WRITTEN);

    ControlPlaneState read = ((StateFile.Loaded.Ok) StateFile.read(file)).state();
    CpRoute first = read.routes().get("rt_0");
    for (String id : List.of("rt_1", "rt_2")) {
      CpRoute r = read.routes().get(id);
      assertThat(read.backends().get(id)).isSameAs(read.backends().get("rt_0")).isEqualTo(set);
      assertThat(r.appId()).isSameAs(first.appId());
      assertThat(r.envId()).isSameAs(first.envId());
      assertThat(r.processType()).isSameAs(first.processType());
    }
    assertThat(read.backends().get("rt_0").get(0)).isSameAs(read.backends().get("rt_2").get(0));
    read.backends().keySet().forEach(id -> assertThat(id).isSameAs(read.routes().get(id).routeId()));
  }

  @Test
  void aWrittenFileIsStreamedToWhatTheTreeDecodes() throws IOException {
    Path file = dir.resolve("state.json");
    StateFile.write(file, sample(), WRITTEN);
    byte[] bytes = Files.readAllBytes(file);
    StateFile.Loaded.Ok streamed = StateFileStream.read(bytes);
    assertThat(streamed).as("a file this node wrote takes the stream path").isNotNull();
    assertThat(streamed).isEqualTo(StateFile.parseTree(bytes));
    assertThat(StateFileStream.read(reversed(new JsonObject(new String(bytes, StandardCharsets.UTF_8))).encode()
        .getBytes(StandardCharsets.UTF_8))).as("any key order").isEqualTo(streamed);
    String twice = new String(bytes, StandardCharsets.UTF_8)
        .replaceFirst("\"listen_port\"", "\"listen_port\" : 1, \"listen_port\"");
    assertThat(StateFileStream.read(twice.getBytes(StandardCharsets.UTF_8))).as("a key twice: the tree decides")
        .isNull();
  }

  /** A deep copy with every object's keys in reverse order. */
  private static JsonObject reversed(JsonObject in) {
    JsonObject out = new JsonObject();
    List<String> keys = new ArrayList<>(in.fieldNames());
    Collections.reverse(keys);
    for (String k : keys) {
      Object v = in.getValue(k);
      if (v instanceof JsonObject o) {
        v = reversed(o);
      } else if (v instanceof JsonArray a) {
        JsonArray copy = new JsonArray();
        a.forEach(x -> copy.add(x instanceof JsonObject o ? reversed(o) : x));
        v = copy;
      }
      out.put(k, v);
    }
    return out;
  }
}
