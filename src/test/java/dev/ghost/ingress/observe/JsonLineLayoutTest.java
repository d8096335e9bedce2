package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class JsonLineLayoutTest {

  private static LoggingEvent event(String msg, Throwable t, KeyValuePair... kvs) {
    LoggerContext ctx = new LoggerContext();
    LoggingEvent e = new LoggingEvent("x", ctx.getLogger("dev.ghost.ingress.proxy.Thing"), Level.WARN, msg, t, null);
    e.setKeyValuePairs(List.of(kvs));
    return e;
  }

  @Test
  void oneParseableJsonObjectPerLineWithTypedFields() {
    String line = new JsonLineLayout().doLayout(event("bind \"failed\"\nagain", null,
        new KeyValuePair("port", 443), new KeyValuePair("startup", true), new KeyValuePair("listener", "[::]:443"),
        new KeyValuePair("sni", null)));
    assertThat(line).endsWith("}\n").doesNotContain("\n\"");
    assertThat(line.chars().filter(c -> c == '\n').count()).isEqualTo(1);
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("level")).isEqualTo("WARN");
    assertThat(json.getString("logger")).isEqualTo("proxy.Thing");
    assertThat(json.getString("msg")).isEqualTo("bind \"failed\"\nagain");
    assertThat(json.getInteger("port")).isEqualTo(443);
    assertThat(json.getBoolean("startup")).isTrue();
    assertThat(json.getString("listener")).isEqualTo("[::]:443");
    assertThat(json.containsKey("sni")).isTrue();
    assertThat(json.getValue("sni")).isNull();
  }

  @Test
  void throwableIsClassAndMessageOnlyNeverAStackTrace() {
    String line = new JsonLineLayout().doLayout(event("boom", new IllegalStateException("bad\tstate")));
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("error")).isEqualTo("java.lang.IllegalStateException: bad\tstate");
    assertThat(line).doesNotContain("\tat ");
  }

  @Test
  void controlCharactersAreEscaped() {
    String line = new JsonLineLayout().doLayout(event("a\u0001b", null));
    assertThat(line).contains("a\\u0001b");
    assertThat(new JsonObject(line).getString("msg")).isEqualTo("a\u0001b");
  }
}
