package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TomlConfigProcessorTest {

  /** Every TOML shape a config uses, and the ones it might. */
  static final String DOC = """
      # a comment
      title = "ghost"
      port = 443
      big = 9007199254740993
      ratio = 0.25
      on = true
      off = false
      when = 2026-12-07T03:52:43Z
      day = 2026-12-07
      empty = []
      mixed = [1, "two", [3], { four = 4 }]
      [listen]
      ipv6 = ["[::]:443"]
      [listen.nested]
      deep = { a = 1, b = [true] }
      [[route]]
      id = "a"
      [[route]]
      id = "b"
      backends = ["[::1]:9443"]
      """;

  @Test
  void readsWhatTheJacksonTreeRead() throws Exception {
    byte[] toml = DOC.getBytes(StandardCharsets.UTF_8);
    // the former path: Jackson's tree, printed, read back by Vert.x
    JsonObject viaTree = new JsonObject(new TomlMapper().readTree(toml).toString());
    assertThat(TomlConfigProcessor.parse(toml)).isEqualTo(viaTree);
  }

  @Test
  void keepsTypesAndOrder() throws Exception {
    JsonObject o = TomlConfigProcessor.parse(DOC.getBytes(StandardCharsets.UTF_8));
    assertThat(o.fieldNames()).startsWith("title", "port", "big", "ratio");
    assertThat(o.getValue("port")).isEqualTo(443);
    assertThat(o.getValue("big")).isEqualTo(9007199254740993L);
    assertThat(o.getValue("ratio")).isEqualTo(0.25);
    assertThat(o.getString("when")).isEqualTo("2026-12-07T03:52:43Z");
    assertThat(o.getJsonArray("route").getJsonObject(1).getJsonArray("backends").getString(0))
        .isEqualTo("[::1]:9443");
  }

  @Test
  void emptyAndCommentOnlyDocumentsAreEmptyObjects() throws Exception {
    assertThat(TomlConfigProcessor.parse(new byte[0])).isEqualTo(new JsonObject());
    assertThat(TomlConfigProcessor.parse("# nothing\n".getBytes(StandardCharsets.UTF_8))).isEqualTo(new JsonObject());
  }

  @Test
  void syntaxErrorsThrow() {
    assertThatThrownBy(() -> TomlConfigProcessor.parse("a = [".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void vertxUsesTheCoreCodecNotDatabind() {
    // found through META-INF/services: a lost registration brings the ObjectMapper back at every start
    assertThat(Json.CODEC).isExactlyInstanceOf(JacksonCodec.class);
  }
}
