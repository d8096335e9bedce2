package dev.ghost.ingress.devcp;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a canonical payload (snake_case, short enums, every field present) into what the API serves.
 * {@link Encoding#PROTOBUF_JSON} is what the live control plane sends: camelCase keys, enum names
 * ({@code ROUTE_PROTOCOL_HINT_TLS_PASSTHROUGH}, {@code ROUTE_PROXY_PROTOCOL_V2}) and fields at their default
 * ({@code false}, {@code 0}, {@code ""}) omitted, exactly as proto3 JSON printing does; so a {@code route.updated}
 * that turns {@code backend_expects_proxy_protocol} to false does not carry that field at all.
 * {@link Encoding#LEGACY} is the stored form: snake_case with short enums, every field written.
 */
public final class PayloadEncoder {

  /** How payloads are served. */
  public enum Encoding {
    /** camelCase, enum names, defaults omitted (the live API). */
    PROTOBUF_JSON,
    /** snake_case, short enums, all fields (stored/legacy payloads). */
    LEGACY
  }

  private static final Map<String, String> ENUM_PREFIX = Map.of(
      "protocol_hint", "ROUTE_PROTOCOL_HINT_",
      "proxy_protocol", "ROUTE_PROXY_PROTOCOL_");

  private PayloadEncoder() {}

  /** Encodes {@code canonical}; the argument is not modified. */
  public static JsonObject encode(JsonObject canonical, Encoding encoding) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, Object> e : canonical) {
      Object v = e.getValue();
      if (v == null) {
        continue;
      }
      if (encoding == Encoding.LEGACY) {
        out.put(e.getKey(), v);
        continue;
      }
      if (isDefault(v)) {
        continue;
      }
      String prefix = ENUM_PREFIX.get(e.getKey());
      if (prefix != null && v instanceof String s) {
        v = prefix + s.toUpperCase(Locale.ROOT);
      }
      out.put(camelCase(e.getKey()), v);
    }
    return out;
  }

  /** {@code env_ipv4_address} → {@code envIpv4Address}. */
  static String camelCase(String snake) {
    StringBuilder sb = new StringBuilder(snake.length());
    boolean upper = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return sb.toString();
  }

  private static boolean isDefault(Object v) {
    return Boolean.FALSE.equals(v)
        || (v instanceof Number n && n.doubleValue() == 0)
        || (v instanceof String s && s.isEmpty());
  }
}
