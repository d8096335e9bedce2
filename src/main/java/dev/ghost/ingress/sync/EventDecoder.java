package dev.ghost.ingress.sync;

import dev.ghost.ingress.config.IpLiterals;
import dev.ghost.ingress.route.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;

/**
 * Turns event-feed items and NDJSON stream lines into {@link CpEvent}s. Pure and total: it never throws; anything
 * unusable becomes {@link CpEvent.Rejected} with a reason (contract §1: "A payload that cannot be parsed is logged
 * and counted, never fatal").
 *
 * <p>Both payload encodings are accepted (contract §1, "Payload encoding — accept both forms"): protobuf-JSON
 * (camelCase keys, enum names such as {@code ROUTE_PROTOCOL_HINT_TLS_PASSTHROUGH}, fields omitted at their default:
 * false / 0 / absent) and legacy snake_case with short enums ({@code tls_passthrough}, {@code tcp_raw},
 * {@code off}, {@code v2}); numeric enum values (0 = UNSPECIFIED, 1, 2) are accepted in either. Integers may also
 * arrive as decimal strings (protobuf-JSON's int64 form). A JSON null counts as absent.
 */
public final class EventDecoder {

  static final String ROUTE_CREATED = "route.created";
  static final String ROUTE_UPDATED = "route.updated";
  static final String ROUTE_DELETED = "route.deleted";
  static final String ENV_IPV4_ENABLED = "env.ipv4_addon_enabled";
  static final String ENV_IPV4_DISABLED = "env.ipv4_addon_disabled";
  static final String INSTANCE_STATUS_CHANGED = "instance.status_changed";

  private EventDecoder() {}

  /** Decodes one item of {@code GET .../events}: {@code event_id}, {@code event_type}, optional {@code payload}. */
  public static CpEvent fromFeedItem(JsonObject envelope) {
    if (envelope == null) {
      return new CpEvent.Rejected(0, null, "event is not a JSON object");
    }
    return decode(envelope, "event_id", "event_type", null, null);
  }

  /**
   * Decodes one NDJSON line of {@code GET .../events/stream}: {@code seq} (the event id, i.e. the cursor),
   * {@code type}, {@code payload}, and the line's {@code app_id}/{@code env_id}, which fill in a payload that lacks
   * them.
   */
  public static CpEvent fromStreamLine(JsonObject line) {
    if (line == null) {
      return new CpEvent.Rejected(0, null, "stream line is not a JSON object");
    }
    String appId;
    String envId;
    try {
      appId = optText(line.getValue("app_id"), "app_id");
      envId = optText(line.getValue("env_id"), "env_id");
    } catch (Bad e) {
      appId = null;
      envId = null;
    }
    return decode(line, "seq", "type", appId, envId);
  }

  private static CpEvent decode(JsonObject envelope, String idKey, String typeKey, String lineApp, String lineEnv) {
    long id;
    try {
      Long parsed = optLong(envelope.getValue(idKey), idKey);
      id = parsed == null ? 0 : parsed;
    } catch (Bad e) {
      id = 0;
    }
    Object rawType = envelope.getValue(typeKey);
    String type = rawType instanceof String s ? s : null;
    if (id <= 0) {
      return new CpEvent.Rejected(0, type, "missing or invalid " + idKey);
    }
    if (type == null || type.isBlank()) {
      return new CpEvent.Rejected(id, null, "missing or invalid " + typeKey);
    }
    if (!isUsed(type)) {
      return new CpEvent.Ignored(id, type);
    }
    try {
      Object payload = envelope.getValue("payload");
      if (payload == null && !type.equals(INSTANCE_STATUS_CHANGED)) {
        return new CpEvent.Rejected(id, type, "missing payload");
      }
      if (payload != null && !(payload instanceof JsonObject)) {
        return new CpEvent.Rejected(id, type, "payload is not a JSON object");
      }
      Fields p = new Fields(payload == null ? new JsonObject() : (JsonObject) payload);
      switch (type) {
        case ROUTE_CREATED:
          return created(id, p, lineApp, lineEnv);
        case ROUTE_UPDATED:
          return new CpEvent.RouteUpdated(id, p.requiredText("route_id"), patch(p));
        case ROUTE_DELETED:
          return new CpEvent.RouteDeleted(id, p.requiredText("route_id"));
        case ENV_IPV4_ENABLED: {
          String env = orElse(p.text("env_id"), lineEnv);
          String ipv4 = p.text("ipv4_address");
          requireEnv(env);
          if (ipv4 == null || !IpLiterals.isIpv4(ipv4.trim())) {
            throw new Bad("ipv4_address missing or not an IPv4 address: " + ipv4);
          }
          return new CpEvent.EnvIpv4Enabled(id, env, orElse(p.text("app_id"), lineApp), ipv4.trim());
        }
        case ENV_IPV4_DISABLED: {
          String env = orElse(p.text("env_id"), lineEnv);
          requireEnv(env);
          String ipv4 = p.text("ipv4_address");
          return new CpEvent.EnvIpv4Disabled(id, env, ipv4 == null ? null : ipv4.trim());
        }
        case INSTANCE_STATUS_CHANGED:
          // Contract §1: the payload is not specified; "when it names an env (envId/env_id)" refresh that env.
          // A stream line's env_id names it too.
          return new CpEvent.InstanceStatusChanged(id, orElse(lenientText(p, "env_id"), lineEnv));
        default:
          return new CpEvent.Ignored(id, type);
      }
    } catch (Bad e) {
      return new CpEvent.Rejected(id, type, e.getMessage());
    } catch (RuntimeException e) {
      return new CpEvent.Rejected(id, type, "undecodable payload: " + e);
    }
  }

  private static boolean isUsed(String type) {
    return switch (type) {
      case ROUTE_CREATED, ROUTE_UPDATED, ROUTE_DELETED, ENV_IPV4_ENABLED, ENV_IPV4_DISABLED,
          INSTANCE_STATUS_CHANGED -> true;
      default -> false;
    };
  }

  private static CpEvent created(long id, Fields p, String lineApp, String lineEnv) {
    String routeId = p.requiredText("route_id");
    Protocol protocol = protocolHint(p.raw("protocol_hint"));
    int listenPort = p.integer("listen_port");
    if (listenPort == 0) {
      // Contract §1: "listen_port 0 is rejected and counted" (0 is also what an omitted field means).
      throw new Bad("listen_port is 0 or missing");
    }
    Boolean v2 = proxyV2(p.raw("proxy_protocol"));
    try {
      CpRoute route = new CpRoute(routeId,
          orElse(p.text("app_id"), lineApp),
          orElse(p.text("env_id"), lineEnv),
          p.text("hostname"),
          listenPort,
          protocol,
          p.text("backend_process_type"),
          p.integer("backend_port"),
          v2 != null && v2,
          p.bool("backend_expects_proxy_protocol"),
          p.bool("ipv4_required"),
          p.text("env_ipv4_address"),
          id);
      return new CpEvent.RouteCreated(id, route);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new Bad(e.getMessage());
    }
  }

  private static RoutePatch patch(Fields p) {
    Integer port = null;
    if (p.raw("backend_port") != null) {
      port = p.integer("backend_port");
      if (port < 1 || port > 65535) {
        throw new Bad("backend_port out of range 1-65535: " + port);
      }
    }
    String processType = p.text("backend_process_type");
    if (processType != null && processType.isBlank()) {
      throw new Bad("backend_process_type is blank");
    }
    String ipv4 = null;
    if (p.present("env_ipv4_address")) {
      String v = p.text("env_ipv4_address");
      ipv4 = v == null ? "" : v.trim(); // present but null: clears the stamp
    }
    return new RoutePatch(processType, port, proxyV2(p.raw("proxy_protocol")),
        p.raw("backend_expects_proxy_protocol") == null ? null : p.bool("backend_expects_proxy_protocol"),
        p.raw("ipv4_required") == null ? null : p.bool("ipv4_required"),
        ipv4);
  }

  /** {@code protocol_hint}; UNSPECIFIED or missing is rejected (contract §1). */
  static Protocol protocolHint(Object raw) {
    String name = enumName(raw, "protocol_hint", "ROUTE_PROTOCOL_HINT_");
    return switch (name) {
      case "1", "TLS_PASSTHROUGH" -> Protocol.TLS_PASSTHROUGH;
      case "2", "TCP_RAW" -> Protocol.TCP_RAW;
      case "", "0", "UNSPECIFIED" -> throw new Bad("protocol_hint is UNSPECIFIED or missing");
      default -> throw new Bad("unknown protocol_hint " + raw);
    };
  }

  /** {@code proxy_protocol}: true for V2; UNSPECIFIED means off (contract §1); null when absent. */
  static Boolean proxyV2(Object raw) {
    if (raw == null) {
      return null;
    }
    String name = enumName(raw, "proxy_protocol", "ROUTE_PROXY_PROTOCOL_");
    return switch (name) {
      case "2", "V2" -> Boolean.TRUE;
      case "", "0", "1", "UNSPECIFIED", "OFF" -> Boolean.FALSE;
      default -> throw new Bad("unknown proxy_protocol " + raw);
    };
  }

  /** An enum as a comparable token: upper case without the protobuf prefix, or the decimal number. */
  private static String enumName(Object raw, String field, String prefix) {
    if (raw == null) {
      return "";
    }
    if (raw instanceof Number) {
      Long n = optLong(raw, field);
      return Long.toString(n);
    }
    if (!(raw instanceof String s)) {
      throw new Bad(field + " is not a string or number");
    }
    String name = s.trim().toUpperCase(Locale.ROOT);
    return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
  }

  private static void requireEnv(String env) {
    if (env == null || env.isBlank()) {
      throw new Bad("missing env_id");
    }
  }

  private static String orElse(String value, String fallback) {
    return value != null && !value.isBlank() ? value : fallback;
  }

  /** A text field that may be of the wrong type without rejecting the event (an unspecified hint payload). */
  private static String lenientText(Fields p, String snake) {
    Object v = p.raw(snake);
    return v instanceof String s && !s.isBlank() ? s : null;
  }

  private static String optText(Object v, String field) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new Bad(field + " is not a string");
    }
    return s;
  }

  /** An integral JSON number or decimal string; null when absent. */
  static Long optLong(Object v, String field) {
    if (v == null) {
      return null;
    }
    try {
      if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
        return ((Number) v).longValue();
      }
      if (v instanceof BigInteger b) {
        return b.longValueExact();
      }
      if (v instanceof Number n) {
        return new BigDecimal(n.toString()).longValueExact(); // 443.0 is fine, 443.5 is not
      }
      if (v instanceof String s && !s.isBlank()) {
        return Long.parseLong(s.trim());
      }
    } catch (ArithmeticException | NumberFormatException e) {
      // fall through
    }
    throw new Bad(field + " is not an integer: " + v);
  }

  /** Payload field access under the snake_case or the camelCase name. */
  private static final class Fields {
    private final JsonObject json;

    Fields(JsonObject json) {
      this.json = json;
    }

    Object raw(String snake) {
      Object v = json.getValue(snake);
      if (v == null) {
        v = json.getValue(camel(snake));
      }
      return v;
    }

    boolean present(String snake) {
      return json.containsKey(snake) || json.containsKey(camel(snake));
    }

    String text(String snake) {
      Object v = raw(snake);
      if (v instanceof JsonObject || v instanceof JsonArray) {
        throw new Bad(snake + " is not a string");
      }
      return optText(v, snake);
    }

    String requiredText(String snake) {
      String v = text(snake);
      if (v == null || v.isBlank()) {
        throw new Bad("missing " + snake);
      }
      return v;
    }

    /** A 32-bit integer; absent = 0 (protobuf-JSON omits defaults). */
    int integer(String snake) {
      Long v = optLong(raw(snake), snake);
      if (v == null) {
        return 0;
      }
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new Bad(snake + " out of range: " + v);
      }
      return v.intValue();
    }

    /** A bool; absent = false (protobuf-JSON omits defaults). */
    boolean bool(String snake) {
      Object v = raw(snake);
      if (v == null) {
        return false;
      }
      if (v instanceof Boolean b) {
        return b;
      }
      throw new Bad(snake + " is not a boolean: " + v);
    }

    static String camel(String snake) {
      StringBuilder sb = new StringBuilder(snake.length());
      boolean up = false;
      for (int i = 0; i < snake.length(); i++) {
        char c = snake.charAt(i);
        if (c == '_') {
          up = true;
        } else {
          sb.append(up ? Character.toUpperCase(c) : c);
          up = false;
        }
      }
      return sb.toString();
    }
  }

  /** A decoding failure with its reason; cheap (no stack trace), never escapes this class. */
  private static final class Bad extends RuntimeException {
    Bad(String reason) {
      super(reason, null, false, false);
    }
  }
}
