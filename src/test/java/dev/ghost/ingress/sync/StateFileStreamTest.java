package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The state written and read entry by entry ({@link StateFile#writeJson}, {@link StateFile#readJson}). */
class StateFileStreamTest {

  private static final JsonFactory JSON = new JsonFactory();

  @Test
  void writtenEntryByEntryIsTheTreeOfToJson() throws IOException {
    for (ControlPlaneState state : new ControlPlaneState[] {StateFileTest.sample(), ControlPlaneState.EMPTY}) {
      assertThat(new JsonObject(streamed(state))).isEqualTo(StateFile.toJson(state, StateFileTest.WRITTEN));
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
