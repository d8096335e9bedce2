package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The state written and read entry by entry ({@link StateFile#writeJson}, {@link StateFile#readJson}). */
class StateFileStreamTest {

  /**
   * Bytes a read may allocate per route of a large base: 666 measured at 20 000 routes (JDK 17), 2 250 before the
   * read kept file order and made no digest buffers; any one of the costs named in the test would pass this.
   */
  private static final long READ_BYTES_PER_ROUTE = 760;

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Bytes a write may allocate per route of a large base, beside the ≈ 390 bytes it writes per route: 328 measured
   * at 20 000 routes (JDK 17, C1 as in this suite; the backends' texts most of it), 2 868 when each entry was made
   * as an object and encoded to a text first.
   */
  private static final long WRITE_BYTES_PER_ROUTE = 400;

  @Test
  void writtenEntryByEntryIsTheTreeOfToJson() throws IOException {
    // every kind of field: a route without a host name (tcp_raw) and with field versions, env bindings, backends
    ControlPlaneState patched = StateFileTest.sample().apply(List.of(new CpEvent.RouteUpdated(55, "rt_raw",
        new RoutePatch(null, 5433, null, null, null, null)))).next();
    assertThat(patched.fieldVersions()).isNotEmpty();
    for (ControlPlaneState state : new ControlPlaneState[] {patched, StateFileTest.sample(),
        ControlPlaneState.EMPTY}) {
      assertThat(new JsonObject(streamed(state))).isEqualTo(StateFile.toJson(state, StateFileTest.WRITTEN));
    }
  }

  @Test
  void aLargeBaseIsWrittenWithLittleGarbagePerRoute() throws IOException {
    assumeTrue(allocatedBytes() >= 0, "the JVM does not count allocations per thread");
    int n = 20_000;
    ControlPlaneState state = ScaleStateFile.state(n, 9443);
    CountingSink sink = new CountingSink();
    write(state, sink); // classes loaded, caches warm
    long before = allocatedBytes();
    write(state, sink);
    long perRoute = (allocatedBytes() - before) / n;
    assertThat(sink.written / 2 / n).as("bytes written per route").isGreaterThan(300);
    assertThat(perRoute).as("bytes allocated per route written").isLessThan(WRITE_BYTES_PER_ROUTE);
  }

  private static void write(ControlPlaneState state, java.io.OutputStream out) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      StateFile.writeJson(g, state, StateFileTest.WRITTEN);
    }
  }

  /** Counts what it is given and keeps nothing (a file's stream, without the file). */
  private static final class CountingSink extends java.io.OutputStream {
    long written;

    @Override
    public void write(int b) {
      written++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      written += len;
    }

    @Override
    public void close() {
      // kept open across writes
    }
  }

  @Test
  void aNestedStateIsReadToItsEndAndTheParserGoesOn() throws IOException {
    ControlPlaneState state = StateFileTest.sample();
    String doc = "{\"before\":[1,{\"x\":2}],\"state\":" + streamed(state) + ",\"after\":true}";
    try (JsonParser p = JSON.createParser(doc)) {
      moveToField(p, "state");
      StateFile.Loaded.Ok ok = StateFile.readJson(p);
      assertThat(ok).isNotNull();
      assertThat(ok.state()).isEqualTo(state);
      assertThat(ok.writtenAt()).isEqualTo(StateFileTest.WRITTEN);
      assertThat(p.currentToken()).isEqualTo(JsonToken.END_OBJECT);
      assertThat(p.nextToken()).isEqualTo(JsonToken.FIELD_NAME);
      assertThat(p.currentName()).isEqualTo("after");
    }
  }

  @Test
  void aNestedObjectThatIsNotAValidStateReadsAsNull() throws IOException {
    JsonObject noRoutes = StateFile.toJson(StateFileTest.sample(), StateFileTest.WRITTEN);
    noRoutes.remove("routes");
    JsonObject foreign = StateFile.toJson(StateFileTest.sample(), StateFileTest.WRITTEN).put("format", "other/9");
    String full = streamed(StateFileTest.sample());
    for (String state : new String[] {noRoutes.encode(), foreign.encode(), full.substring(0, full.length() / 2)}) {
      try (JsonParser p = JSON.createParser("{\"state\":" + state + "}")) {
        moveToField(p, "state");
        assertThat(StateFile.readJson(p)).as(state.length() > 80 ? state.substring(0, 80) : state).isNull();
      }
    }
  }

  @Test
  void aLargeBaseIsReadInFileOrderWithLittleGarbagePerRoute() throws IOException {
    assumeTrue(allocatedBytes() >= 0, "the JVM does not count allocations per thread");
    int n = 20_000;
    ControlPlaneState state = ScaleStateFile.state(n, 9443);
    byte[] base = base(state);
    assertThat(StateFileStream.read(base).state()).isEqualTo(state); // classes loaded, caches warm
    long before = allocatedBytes();
    StateFile.Loaded.Ok ok = StateFileStream.read(base);
    long perRoute = (allocatedBytes() - before) / n;
    assertThat(ok.state()).isEqualTo(state);
    // What the state keeps of a route (its id, host name, record, two tree nodes) is about 350 B, the parser's
    // names and lists most of the rest. The read made 2.25 kB: about 950 B of digest buffers, 250 B of repeated
    // texts made only to be looked up, 150 B more of hashed and sorted maps than the file-order run, 150 B of
    // per-route field records. Each of them alone would break this bound.
    assertThat(perRoute).as("bytes allocated per route read").isLessThan(READ_BYTES_PER_ROUTE);
  }

  @Test
  void routesOutOfOrderReadAsInOrder() throws IOException {
    ControlPlaneState state = ScaleStateFile.state(500, 9443);
    JsonObject json = new JsonObject(new String(base(state), StandardCharsets.UTF_8));
    java.util.List<Object> routes = new java.util.ArrayList<>(json.getJsonArray("routes").getList());
    java.util.Collections.shuffle(routes, new java.util.Random(11));
    json.put("routes", new io.vertx.core.json.JsonArray(routes));
    JsonObject sets = new JsonObject();
    java.util.List<String> ids = new java.util.ArrayList<>(json.getJsonObject("backends").fieldNames());
    java.util.Collections.shuffle(ids, new java.util.Random(12));
    ids.forEach(id -> sets.put(id, json.getJsonObject("backends").getValue(id)));
    json.put("backends", sets);
    StateFile.Loaded.Ok ok = StateFileStream.read(json.encode().getBytes(StandardCharsets.UTF_8));
    assertThat(ok).isNotNull();
    assertThat(ok.state()).isEqualTo(state);
    assertThat(ok.state().contentHash()).isEqualTo(state.contentHash());
  }

  /** The base of {@code state} as {@link StateFile#write} writes it. */
  private static byte[] base(ControlPlaneState state) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      StateFile.writeJson(g, state, StateFileTest.WRITTEN);
    }
    return out.toByteArray();
  }

  private static long allocatedBytes() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
      return t.getCurrentThreadAllocatedBytes();
    }
    return -1;
  }

  static String streamed(ControlPlaneState state) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      StateFile.writeJson(g, state, StateFileTest.WRITTEN);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static void moveToField(JsonParser p, String name) throws IOException {
    while (!(p.nextToken() == JsonToken.FIELD_NAME && name.equals(p.currentName()))) {
      assertThat(p.currentToken()).isNotNull();
    }
    p.nextToken();
  }
}
