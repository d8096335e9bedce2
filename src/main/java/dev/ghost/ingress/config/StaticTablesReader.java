package dev.ghost.ingress.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the config file's static tables, {@code [[env]]} and {@code [[route]]}: each entry's keys checked, each
 * value validated, ids unique, every route's {@code env} naming an {@code [[env]]}. Only the file has them; the
 * environment cannot set them.
 */
final class StaticTablesReader {

  private static final Set<String> PROTOCOLS = Set.of("tls_passthrough", "tcp_raw");
  private static final Set<String> PROXY_PROTOCOLS = Set.of("off", "v2");
  private static final Set<String> TLVS = Set.of("authority", "unique_id", "crc32c");
  private static final Set<String> ENV_KEYS = Set.of("id", "ipv4");
  private static final Set<String> ROUTE_KEYS = Set.of("id", "hostname", "port", "protocol", "proxy_protocol",
      "proxy_protocol_tlvs", "backends", "env", "allow_non_tls", "idle_timeout", "drain_timeout", "max_connections");

  private final JsonObject config;
  private final String source;

  /**
   * @param config the parsed config file
   * @param source the config file as the operator named it, for errors
   */
  StaticTablesReader(JsonObject config, String source) {
    this.config = config;
    this.source = source;
  }

  /** The {@code [[env]]} entries in file order. */
  List<EnvSpec> envs() {
    JsonArray array = config.getJsonArray("env");
    List<EnvSpec> out = new ArrayList<>();
    if (array == null) {
      return out;
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      String prefix = "env[" + i + "]";
      JsonObject e = table(array.getValue(i), prefix);
      checkKeys(e, prefix, ENV_KEYS);
      RawValue idRaw = required(e, prefix, "id", "required");
      String id = idRaw.nonEmpty();
      if (!ids.add(id)) {
        throw idRaw.fail("duplicate env id '" + id + "'");
      }
      RawValue ipv4 = field(e, prefix, "ipv4");
      out.add(new EnvSpec(id, ipv4 == null ? null : ipv4.ipv4()));
    }
    return Collections.unmodifiableList(out);
  }

  /** The {@code [[route]]} entries in file order; {@code envs} are the environments they may name. */
  List<RouteSpec> routes(List<EnvSpec> envs) {
    JsonArray array = config.getJsonArray("route");
    List<RouteSpec> out = new ArrayList<>();
    if (array == null) {
      return out;
    }
    Set<String> envIds = new HashSet<>();
    envs.forEach(e -> envIds.add(e.id()));
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      String prefix = "route[" + i + "]";
      RouteSpec route = route(table(array.getValue(i), prefix), prefix, i, envIds);
      if (!ids.add(route.id())) {
        RawValue idRaw = field(array.getJsonObject(i), prefix, "id");
        throw idRaw != null ? idRaw.fail("duplicate route id '" + route.id() + "'")
            : new ConfigException(source, prefix, "default id '" + route.id() + "' is taken by another route");
      }
      out.add(route);
    }
    return Collections.unmodifiableList(out);
  }

  private RouteSpec route(JsonObject r, String prefix, int index, Set<String> envIds) {
    checkKeys(r, prefix, ROUTE_KEYS);
    RawValue idRaw = field(r, prefix, "id");
    String id = idRaw == null ? Integer.toString(index) : idRaw.nonEmpty();
    String protocol = oneOf(field(r, prefix, "protocol"), "tls_passthrough", PROTOCOLS);
    String hostname = hostname(r, prefix, protocol);
    int port = (int) required(r, prefix, "port", "required").integer(1, 65535);
    String proxyProtocol = oneOf(field(r, prefix, "proxy_protocol"), "off", PROXY_PROTOCOLS);
    List<String> tlvs = tlvs(field(r, prefix, "proxy_protocol_tlvs"), proxyProtocol);
    List<HostPort> backends = backends(required(r, prefix, "backends", "required: a non-empty list of host:port"));
    String env = env(field(r, prefix, "env"), envIds);
    RawValue allowNonTls = field(r, prefix, "allow_non_tls");
    return new RouteSpec(id, hostname, port, protocol, proxyProtocol, tlvs, backends, env,
        allowNonTls != null && allowNonTls.bool(),
        optionalDuration(field(r, prefix, "idle_timeout")),
        optionalDuration(field(r, prefix, "drain_timeout")),
        optionalMaxConnections(field(r, prefix, "max_connections")));
  }

  /** Required for tls_passthrough; ignored for tcp_raw, but still a string there. */
  private String hostname(JsonObject r, String prefix, String protocol) {
    RawValue hostRaw = field(r, prefix, "hostname");
    if (protocol.equals("tls_passthrough")) {
      if (hostRaw == null) {
        throw new ConfigException(source, prefix + ".hostname", "required for protocol tls_passthrough");
      }
      return hostRaw.nonEmpty();
    }
    if (hostRaw != null) {
      hostRaw.text();
    }
    return null;
  }

  private static List<String> tlvs(RawValue tlvRaw, String proxyProtocol) {
    List<String> tlvs = new ArrayList<>();
    if (tlvRaw == null) {
      return List.of();
    }
    for (RawValue item : tlvRaw.fileArray()) {
      String tlv = item.oneOf(TLVS);
      if (tlvs.contains(tlv)) {
        throw item.fail("duplicate TLV '" + tlv + "'");
      }
      tlvs.add(tlv);
    }
    if (!tlvs.isEmpty() && !proxyProtocol.equals("v2")) {
      throw tlvRaw.fail("needs proxy_protocol = \"v2\"");
    }
    return Collections.unmodifiableList(tlvs);
  }

  private static List<HostPort> backends(RawValue backendsRaw) {
    List<HostPort> backends = new ArrayList<>();
    for (RawValue item : backendsRaw.fileArray()) {
      HostPort backend = item.hostPort();
      if (backend.port() == 0) {
        throw item.fail("backend port must be 1-65535, got '" + item.value() + "'");
      }
      backends.add(backend);
    }
    if (backends.isEmpty()) {
      throw backendsRaw.fail("must not be empty");
    }
    return Collections.unmodifiableList(backends);
  }

  private static String env(RawValue envRaw, Set<String> envIds) {
    String env = envRaw == null ? null : envRaw.nonEmpty();
    if (env != null && !envIds.contains(env)) {
      throw envRaw.fail("no [[env]] with id '" + env + "'");
    }
    return env;
  }

  private static Duration optionalDuration(RawValue r) {
    return r == null ? null : r.duration(true);
  }

  private static Integer optionalMaxConnections(RawValue r) {
    return r == null ? null : (int) r.integer(0, Integer.MAX_VALUE);
  }

  private static String oneOf(RawValue r, String defaultValue, Set<String> allowed) {
    return r == null ? defaultValue : r.oneOf(allowed);
  }

  private JsonObject table(Object value, String key) {
    if (value instanceof JsonObject t) {
      return t;
    }
    throw new ConfigException(source, key, "expected a table, got " + RawValue.describe(value));
  }

  private void checkKeys(JsonObject t, String prefix, Set<String> known) {
    for (String key : t.fieldNames()) {
      if (!known.contains(key)) {
        throw new ConfigException(source, prefix + "." + key, "unknown key (known: "
            + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }
  }

  private RawValue field(JsonObject t, String prefix, String key) {
    Object v = t.getValue(key);
    return v == null ? null : new RawValue(v, source, prefix + "." + key);
  }

  private RawValue required(JsonObject t, String prefix, String key, String reason) {
    RawValue v = field(t, prefix, key);
    if (v == null) {
      throw new ConfigException(source, prefix + "." + key, reason);
    }
    return v;
  }
}
