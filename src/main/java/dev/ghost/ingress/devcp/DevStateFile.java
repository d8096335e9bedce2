package dev.ghost.ingress.devcp;

import dev.ghost.ingress.config.IpLiterals;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the dev control plane's human-editable TOML state file ({@code conf/dev-control-plane.toml}
 * documents the format). Reading validates everything (unknown keys, duplicate ids, enums, ports, references) and
 * fails with a one-line {@link DevStateException}; writing produces a file that reads back to the same state.
 */
public final class DevStateFile {

  // TomlMapper is thread-safe once configured; it is never reconfigured.
  private static final TomlMapper MAPPER = new TomlMapper();
  private static final Set<String> STATUSES = Set.of("booting", "ready", "draining", "stopped", "failed");
  private static final Set<String> TOP_KEYS = Set.of("org", "token", "env", "route", "instance");
  private static final Set<String> ENV_KEYS = Set.of("id", "app", "ipv4");
  private static final Set<String> ROUTE_KEYS = Set.of("id", "app", "env", "hostname", "listen_port", "protocol",
      "process_type", "backend_port", "proxy_protocol", "ipv4_required");
  private static final Set<String> INSTANCE_KEYS = Set.of("id", "app", "env", "process_type", "overlay_ipv6",
      "status", "node");

  private DevStateFile() {}

  /** Parses and validates a state file's text; {@code source} names it in error messages. */
  public static DevState parse(String toml, String source) throws DevStateException {
    JsonNode root;
    try {
      root = MAPPER.readTree(toml);
    } catch (Exception e) {
      throw new DevStateException(source + ": not valid TOML: " + firstLine(e.getMessage()));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = MAPPER.createObjectNode();
    }
    Reader r = new Reader(source);
    r.keys(root, "", TOP_KEYS);
    String org = r.optString(root, "", "org", null);
    String token = r.optString(root, "", "token", null);
    Map<String, DevState.Env> envs = new LinkedHashMap<>();
    for (JsonNode e : r.tables(root, "env")) {
      String at = "env[" + envs.size() + "]";
      r.keys(e, at, ENV_KEYS);
      String id = r.string(e, at, "id");
      String ipv4 = r.optString(e, at, "ipv4", null);
      if (ipv4 != null && !IpLiterals.isIpv4(ipv4)) {
        throw r.bad(at, "ipv4", "expected a dotted IPv4 address, got '" + ipv4 + "'");
      }
      if (envs.put(id, new DevState.Env(id, r.string(e, at, "app"), ipv4)) != null) {
        throw r.bad(at, "id", "duplicate env id '" + id + "'");
      }
    }
    Map<String, DevState.Route> routes = new LinkedHashMap<>();
    for (JsonNode t : r.tables(root, "route")) {
      String at = "route[" + routes.size() + "]";
      r.keys(t, at, ROUTE_KEYS);
      String id = r.string(t, at, "id");
      DevState.Env env = r.env(envs, t, at);
      String protocol = r.oneOf(t, at, "protocol", null, Set.of(DevState.TLS_PASSTHROUGH, DevState.TCP_RAW));
      String hostname = r.optString(t, at, "hostname", "");
      if (protocol.equals(DevState.TLS_PASSTHROUGH) && hostname.isEmpty()) {
        throw r.bad(at, "hostname", "required for tls_passthrough");
      }
      DevState.Route route = new DevState.Route(id, env.app(), env.id(), hostname,
          r.port(t, at, "listen_port"), protocol, r.optString(t, at, "process_type", "web"),
          r.port(t, at, "backend_port"),
          r.oneOf(t, at, "proxy_protocol", DevState.PROXY_OFF, Set.of(DevState.PROXY_OFF, DevState.PROXY_V2)),
          r.optBool(t, at, "ipv4_required"));
      if (routes.put(id, route) != null) {
        throw r.bad(at, "id", "duplicate route id '" + id + "'");
      }
    }
    Map<String, DevState.Instance> instances = new LinkedHashMap<>();
    for (JsonNode t : r.tables(root, "instance")) {
      String at = "instance[" + instances.size() + "]";
      r.keys(t, at, INSTANCE_KEYS);
      String id = r.string(t, at, "id");
      DevState.Env env = r.env(envs, t, at);
      String overlay = r.optString(t, at, "overlay_ipv6", null);
      if (overlay != null && (overlay.indexOf(':') < 0 || overlay.indexOf('/') >= 0)) {
        throw r.bad(at, "overlay_ipv6", "expected an IPv6 address without prefix length, got '" + overlay + "'");
      }
      DevState.Instance inst = new DevState.Instance(id, env.app(), env.id(),
          r.optString(t, at, "process_type", "web"), overlay, r.oneOf(t, at, "status", "ready", STATUSES),
          r.optString(t, at, "node", null));
      if (instances.put(id, inst) != null) {
        throw r.bad(at, "id", "duplicate instance id '" + id + "'");
      }
    }
    return new DevState(org, token, envs, routes, instances);
  }

  /** Writes {@code state} as a state file (without the documentation comment block). */
  public static String format(DevState state) {
    StringBuilder sb = new StringBuilder();
    if (state.org() != null) {
      sb.append("org = ").append(quote(state.org())).append('\n');
    }
    if (state.token() != null) {
      sb.append("token = ").append(quote(state.token())).append('\n');
    }
    for (DevState.Env e : state.envs().values()) {
      sb.append("\n[[env]]\nid = ").append(quote(e.id())).append("\napp = ").append(quote(e.app())).append('\n');
      if (e.ipv4() != null) {
        sb.append("ipv4 = ").append(quote(e.ipv4())).append('\n');
      }
    }
    for (DevState.Route r : state.routes().values()) {
      sb.append("\n[[route]]\nid = ").append(quote(r.id()))
          .append("\napp = ").append(quote(r.app()))
          .append("\nenv = ").append(quote(r.env()))
          .append("\nhostname = ").append(quote(r.hostname()))
          .append("\nlisten_port = ").append(r.listenPort())
          .append("\nprotocol = ").append(quote(r.protocol()))
          .append("\nprocess_type = ").append(quote(r.processType()))
          .append("\nbackend_port = ").append(r.backendPort())
          .append("\nproxy_protocol = ").append(quote(r.proxyProtocol()))
          .append("\nipv4_required = ").append(r.ipv4Required()).append('\n');
    }
    for (DevState.Instance i : state.instances().values()) {
      sb.append("\n[[instance]]\nid = ").append(quote(i.id()))
          .append("\napp = ").append(quote(i.app()))
          .append("\nenv = ").append(quote(i.env()))
          .append("\nprocess_type = ").append(quote(i.processType()))
          .append("\nstatus = ").append(quote(i.status())).append('\n');
      if (i.overlayIpv6() != null) {
        sb.append("overlay_ipv6 = ").append(quote(i.overlayIpv6())).append('\n');
      }
      if (i.node() != null) {
        sb.append("node = ").append(quote(i.node())).append('\n');
      }
    }
    return sb.toString();
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
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
    return sb.append('"').toString();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Typed access to the tree with one-line errors naming the entry and key. */
  private record Reader(String source) {

    DevStateException bad(String at, String key, String reason) {
      return new DevStateException(source + ": " + (at.isEmpty() ? "" : at + ".") + key + ": " + reason);
    }

    void keys(JsonNode node, String at, Set<String> allowed) throws DevStateException {
      if (!node.isObject()) {
        throw new DevStateException(source + ": " + (at.isEmpty() ? "document" : at) + ": expected a table");
      }
      Iterator<String> names = node.fieldNames();
      while (names.hasNext()) {
        String k = names.next();
        if (!allowed.contains(k)) {
          throw bad(at, k, "unknown key");
        }
      }
    }

    List<JsonNode> tables(JsonNode root, String key) throws DevStateException {
      JsonNode n = root.get(key);
      if (n == null) {
        return List.of();
      }
      if (!n.isArray()) {
        throw bad("", key, "expected an array of tables ([[" + key + "]])");
      }
      List<JsonNode> out = new java.util.ArrayList<>();
      n.forEach(out::add);
      return out;
    }

    String string(JsonNode node, String at, String key) throws DevStateException {
      String s = optString(node, at, key, null);
      if (s == null || s.isEmpty()) {
        throw bad(at, key, "required");
      }
      return s;
    }

    String optString(JsonNode node, String at, String key, String dflt) throws DevStateException {
      JsonNode n = node.get(key);
      if (n == null) {
        return dflt;
      }
      if (!n.isTextual()) {
        throw bad(at, key, "expected a string");
      }
      return n.asText();
    }

    boolean optBool(JsonNode node, String at, String key) throws DevStateException {
      JsonNode n = node.get(key);
      if (n == null) {
        return false;
      }
      if (!n.isBoolean()) {
        throw bad(at, key, "expected true or false");
      }
      return n.asBoolean();
    }

    int port(JsonNode node, String at, String key) throws DevStateException {
      JsonNode n = node.get(key);
      if (n == null) {
        throw bad(at, key, "required");
      }
      if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > 65535) {
        throw bad(at, key, "expected an integer 1-65535, got " + n);
      }
      return n.asInt();
    }

    String oneOf(JsonNode node, String at, String key, String dflt, Set<String> allowed) throws DevStateException {
      String s = optString(node, at, key, dflt);
      if (s == null) {
        throw bad(at, key, "required");
      }
      if (!allowed.contains(s)) {
        throw bad(at, key, "expected one of " + new java.util.TreeSet<>(allowed) + ", got '" + s + "'");
      }
      return s;
    }

    /** The entry's env, which must be declared; an explicit {@code app} must be the env's. */
    DevState.Env env(Map<String, DevState.Env> envs, JsonNode node, String at) throws DevStateException {
      String envId = string(node, at, "env");
      DevState.Env env = envs.get(envId);
      if (env == null) {
        throw bad(at, "env", "no [[env]] with id '" + envId + "'");
      }
      String app = optString(node, at, "app", null);
      if (app != null && !app.equals(env.app())) {
        throw bad(at, "app", "'" + app + "' is not the app of env '" + envId + "' ('" + env.app() + "')");
      }
      return env;
    }
  }
}
