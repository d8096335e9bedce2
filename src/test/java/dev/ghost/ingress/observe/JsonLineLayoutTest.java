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
    return event(new LoggerContext(), Level.WARN, msg, t, kvs);
  }

  private static LoggingEvent event(LoggerContext ctx, Level level, String msg, Throwable t, KeyValuePair... kvs) {
    LoggingEvent e = new LoggingEvent("x", ctx.getLogger("dev.ghost.ingress.proxy.Thing"), level, msg, t, null);
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
  void warningsCarryTheThrowablesClassAndMessageOnly() {
    String line = new JsonLineLayout().doLayout(event("boom", new IllegalStateException("bad\tstate")));
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("error")).isEqualTo("java.lang.IllegalStateException: bad\tstate");
    assertThat(line).doesNotContain("\tat ");
  }

  @Test
  void errorsCarryTheStackTraceAsOneField() {
    Exception cause = new java.io.IOException("disk full");
    String line = new JsonLineLayout().doLayout(event(new LoggerContext(), Level.ERROR, "write failed",
        new IllegalStateException("bad", cause)));
    assertThat(line.chars().filter(c -> c == '\n').count()).as("still one line").isEqualTo(1);
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("error")).isEqualTo("java.lang.IllegalStateException: bad");
    assertThat(json.getString("stack")).contains("\tat dev.ghost.ingress.observe.JsonLineLayoutTest")
        .contains("Caused by: java.io.IOException: disk full");
  }

  @Test
  void everyLineNamesTheNodeUnlessItNamesOneItself() {
    LoggerContext ctx = new LoggerContext();
    JsonLineLayout layout = new JsonLineLayout();
    assertThat(new JsonObject(layout.doLayout(event(ctx, Level.INFO, "before", null))).containsKey("node_id"))
        .as("no id before the node named itself").isFalse();
    ctx.putProperty(JsonLineLayout.NODE_ID, "node-7");
    assertThat(new JsonObject(layout.doLayout(event(ctx, Level.INFO, "hello", null))).getString("node_id"))
        .isEqualTo("node-7");
    String own = layout.doLayout(event(ctx, Level.INFO, "other", null, new KeyValuePair("node_id", "node-8")));
    assertThat(new JsonObject(own).getString("node_id")).isEqualTo("node-8");
    assertThat(own.split("\"node_id\"", -1)).as("one node_id field").hasSize(2);
  }

  @Test
  void controlCharactersAreEscaped() {
    String line = new JsonLineLayout().doLayout(event("a\u0001b", null));
    assertThat(line).contains("a\\u0001b");
    assertThat(new JsonObject(line).getString("msg")).isEqualTo("a\u0001b");
  }
}
