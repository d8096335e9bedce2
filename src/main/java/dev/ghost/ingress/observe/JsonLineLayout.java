package dev.ghost.ingress.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per line: {@code ts}, {@code level}, {@code logger}, {@code msg}, {@code node_id} (the logging
 * context's {@link #NODE_ID} property, once the node set it; an event's own {@code node_id} wins), then the event's
 * SLF4J key/value pairs as fields, then {@code error} (class and message) when a throwable is attached, and on ERROR
 * lines its whole {@code stack} too. Payload bytes and secrets never reach a log call, so none are filtered here.
 */
public final class JsonLineLayout extends LayoutBase<ILoggingEvent> {

  /** The logging context property (and line field) naming the node: every line says which node wrote it. */
  public static final String NODE_ID = "node_id";

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"ts\":\"").append(Instant.ofEpochMilli(event.getTimeStamp())).append('"');
    field(sb, "level", event.getLevel().toString());
    field(sb, "logger", shortName(event.getLoggerName()));
    field(sb, "msg", event.getFormattedMessage());
    String node = event.getLoggerContextVO() == null ? null
        : event.getLoggerContextVO().getPropertyMap().get(NODE_ID);
    if (node != null && !hasOwn(event, NODE_ID)) {
      field(sb, NODE_ID, node);
    }
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair kv : event.getKeyValuePairs()) {
        value(sb, kv.key, kv.value);
      }
    }
    IThrowableProxy t = event.getThrowableProxy();
    if (t != null) {
      field(sb, "error", t.getClassName() + ": " + t.getMessage());
      if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
        field(sb, "stack", ThrowableProxyUtil.asString(t));
      }
    }
    return sb.append("}\n").toString();
  }

  private static boolean hasOwn(ILoggingEvent event, String key) {
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair kv : event.getKeyValuePairs()) {
        if (key.equals(kv.key)) {
          return true;
        }
      }
    }
    return false;
  }

  private static String shortName(String logger) {
    return logger.startsWith("dev.ghost.ingress.") ? logger.substring("dev.ghost.ingress.".length()) : logger;
  }

  private static void value(StringBuilder sb, String key, Object value) {
    if (value instanceof Number || value instanceof Boolean) {
      sb.append(",\"");
      escape(sb, key);
      sb.append("\":").append(value);
    } else {
      field(sb, key, value == null ? null : value.toString());
    }
  }

  private static void field(StringBuilder sb, String key, String value) {
    sb.append(",\"");
    escape(sb, key);
    sb.append("\":");
    if (value == null) {
      sb.append("null");
    } else {
      sb.append('"');
      escape(sb, value);
      sb.append('"');
    }
  }

  /** JSON string escaping (RFC 8259 §7). */
  static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
  }
}
