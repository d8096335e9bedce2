package dev.ghost.ingress.admin;

import dev.ghost.ingress.config.ConfigDiff;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.IngressConfig;
import io.vertx.core.Future;
import dev.ghost.ingress.observe.LogLevels;
import dev.ghost.ingress.proxy.ProxyServices;
import dev.ghost.ingress.eligibility.AdminDrains;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin commands of one node, as JSON request to JSON answer: {@code status}, {@code routes}, {@code explain},
 * {@code drain-backend}, {@code undrain-backend}, {@code log-level}, {@code drain-node}, {@code draining},
 * {@code reload-config}. Transport-free (the event-bus consumers of
 * {@link AdminCommandsVerticle} and, through them, the HTTP API call it); a bad command or body is a
 * {@link CommandException} with an error code and detail, never anything else.
 */
final class AdminCommands {

  private static final Logger LOG = LoggerFactory.getLogger(AdminCommands.class);

  /** Every command, in documentation order. */
  static final List<String> COMMANDS =
      List.of("status", "routes", "explain", "drain-backend", "undrain-backend", "log-level", "drain-node",
          "draining", "reload-config", "fleet", "fleet-health");
  /** The commands that change state: the ones that can be published fleet-wide on {@code ghost.admin.all.*}. */
  static final List<String> MUTATING = List.of("drain-backend", "undrain-backend", "log-level", "reload-config");

  /** A refused command: {@code status} is the HTTP status the admin API answers with. */
  static final class CommandException extends RuntimeException {
    final int status;
    final String code;

    CommandException(int status, String code, String detail) {
      super(detail, null, false, false);
      this.status = status;
      this.code = code;
    }

    JsonObject body() {
      return new JsonObject().put("error", code).put("detail", getMessage());
    }
  }

  private final String nodeId;
  private final RouteTableRef tables;
  private final ProxyServices services;
  private final AdminViews views;
  /** Re-reads and applies the config file now; null when the node runs on the embedded default. */
  private final Supplier<Future<ConfigDiff>> reload;

  AdminCommands(String nodeId, RouteTableRef tables, ProxyServices services, AdminViews views) {
    this(nodeId, tables, services, views, null);
  }

  AdminCommands(String nodeId, RouteTableRef tables, ProxyServices services, AdminViews views,
      Supplier<Future<ConfigDiff>> reload) {
    this.nodeId = nodeId;
    this.tables = tables;
    this.services = services;
    this.views = views;
    this.reload = reload;
  }

  /**
   * Runs a command that may complete later ({@code reload-config} reads a file, {@code fleet} and
   * {@code fleet-health} ask the cluster and the health verticle); every other command completes at
   * once. Fails with a {@link CommandException} exactly when {@link #handle} would throw one.
   */
  Future<JsonObject> handleAsync(String command, JsonObject body) {
    if ("reload-config".equals(command)) {
      return reloadConfig();
    }
    if ("fleet".equals(command)) {
      return views.fleet();
    }
    if ("fleet-health".equals(command)) {
      return views.fleetHealth();
    }
    try {
      return Future.succeededFuture(handle(command, body));
    } catch (CommandException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * {@code reload-config}: {@code {"node_id", "applied", "changed": [keys], "restart_required": [keys]}}, or 422
   * {@code invalid_config} naming file, key and reason (the previous config stays), or 409 {@code no_config_file}.
   */
  private Future<JsonObject> reloadConfig() {
    if (reload == null) {
      return Future.failedFuture(new CommandException(409, "no_config_file",
          "this node runs on the embedded default configuration (no --config): there is no file to reload"));
    }
    return reload.get().<JsonObject>map(diff -> new JsonObject()
            .put("node_id", nodeId)
            .put("applied", diff.applies())
            .put("changed", new JsonArray(diff.changed()))
            .put("restart_required", new JsonArray(diff.restartOnly())))
        .recover(err -> Future.failedFuture(err instanceof ConfigException ce
            ? new CommandException(422, "invalid_config", ce.oneLine() + " (the previous configuration stays)")
            : new CommandException(500, "reload_failed", "the reload failed: " + err.getMessage())));
  }

  AdminDrains drains() {
    return services.health().drains();
  }

  /** Runs a command; throws {@link CommandException} for an unknown command or a bad body. */
  JsonObject handle(String command, JsonObject body) {
    JsonObject b = body == null ? new JsonObject() : body;
    if (command == null) {
      throw new CommandException(400, "unknown_command", "no command given; one of " + String.join("|", COMMANDS));
    }
    return switch (command) {
      case "status" -> views.status(tables.current());
      case "routes" -> views.routes(tables.current());
      case "explain" -> explain(b);
      case "drain-backend" -> drain(b, true);
      case "undrain-backend" -> drain(b, false);
      case "log-level" -> logLevel(b);
      case "drain-node" -> drainNode();
      case "draining" -> new JsonObject().put("node_id", nodeId).put("draining", views.draining());
      case "reload-config", "fleet", "fleet-health" ->
          throw new CommandException(500, "internal", command + " runs through handleAsync");
      default -> throw new CommandException(400, "unknown_command",
          "unknown command '" + command + "'; one of " + String.join("|", COMMANDS));
    };
  }

  private JsonObject explain(JsonObject b) {
    String sni = string(b, "sni");
    String address = string(b, "address");
    Object portValue = b.getValue("port");
    if (address == null || portValue == null) {
      throw bad("explain needs {\"sni\": name or null, \"address\": IP literal, \"port\": 1-65535}");
    }
    int port;
    try {
      port = portValue instanceof Number n ? n.intValue() : Integer.parseInt(portValue.toString().trim());
    } catch (NumberFormatException e) {
      throw bad("port must be a number 1-65535, got '" + portValue + "'");
    }
    if (port < 1 || port > 65535) {
      throw bad("port must be 1-65535, got " + port);
    }
    InetAddress ip = ipLiteral(address);
    RouteTable table = tables.current();
    return Explain.explain(table, services.selector(), services.health(), services.settings().connectAttempts(),
        ip, port, sni == null || sni.isEmpty() ? null : sni).put("node_id", nodeId);
  }

  private static InetAddress ipLiteral(String address) {
    String a = address.trim();
    if (a.startsWith("[") && a.endsWith("]")) {
      a = a.substring(1, a.length() - 1);
    }
    // only literals: never a DNS lookup on the event loop
    boolean literal = !a.isEmpty() && (a.indexOf(':') >= 0 || a.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
    if (!literal) {
      throw bad("address must be an IP literal, got '" + address + "'");
    }
    try {
      return InetAddress.getByName(a);
    } catch (UnknownHostException | RuntimeException e) {
      throw bad("address must be an IP literal, got '" + address + "'");
    }
  }

  private JsonObject drain(JsonObject b, boolean drain) {
    String text = string(b, "backend");
    if (text == null || text.isBlank()) {
      throw bad("body must be {\"backend\": \"host:port\"} (IPv6 as [addr]:port)");
    }
    Backend backend;
    try {
      backend = Backend.parse(text.trim());
    } catch (RuntimeException e) {
      throw bad("backend must be host:port (IPv6 as [addr]:port): " + e.getMessage());
    }
    boolean was = drains().isDrained(backend);
    drains().set(backend, drain, nodeId);
    if (was != drain) {
      LOG.atInfo().addKeyValue("backend", backend.toString()).addKeyValue("node_id", nodeId)
          .log(drain ? "backend drained by admin" : "backend undrained by admin");
    }
    boolean known = tables.current().routes().stream().anyMatch(r -> r.backends().contains(backend));
    return new JsonObject()
        .put("node_id", nodeId)
        .put("backend", backend.toString())
        .put("drained", drain)
        .put("changed", was != drain)
        .put("in_routes", known)
        .put("drained_backends", new JsonArray(drains().drained()));
  }

  /** The node's graceful drain (as on SIGTERM); the process exits 0 once it is done. */
  private JsonObject drainNode() {
    NodeDrainer drainer = views.nodeDrainer();
    if (drainer == null) {
      throw new CommandException(503, "starting", "node " + nodeId + " is still starting");
    }
    NodeDrainer.Started started = drainer.begin("admin").orElseThrow(() -> new CommandException(409,
        "already_draining", "node " + nodeId + " is already draining"));
    return new JsonObject()
        .put("node_id", nodeId)
        .put("draining", true)
        .put("open_connections", started.openConnections())
        .put("deadline_ms", started.deadline().toMillis());
  }

  private static JsonObject logLevel(JsonObject b) {
    String level = string(b, "level");
    if (level == null || !IngressConfig.Log.LEVELS.contains(level.toLowerCase(Locale.ROOT))) {
      throw bad("level must be one of trace|debug|info|warn|error");
    }
    LogLevels.apply(level);
    LOG.atInfo().addKeyValue("level", level.toLowerCase(Locale.ROOT)).log("log level changed");
    return new JsonObject().put("level", LogLevels.current());
  }

  /** The full drain state to broadcast: {@code {"node_id", "entries": [{"backend","drained","stamp","origin"}]}}. */
  JsonObject drainState() {
    JsonArray entries = new JsonArray();
    drains().entries().forEach(e -> entries.add(new JsonObject().put("backend", e.backend().toString())
        .put("drained", e.drained()).put("stamp", e.stamp()).put("origin", e.origin())));
    return new JsonObject().put("node_id", nodeId).put("entries", entries);
  }

  /** Merges another node's drain state; malformed entries are skipped. Returns how many changed this node. */
  int mergeDrainState(JsonObject state) {
    JsonArray entries = state == null ? null : state.getJsonArray("entries");
    if (entries == null) {
      return 0;
    }
    int changed = 0;
    for (Object o : entries) {
      try {
        JsonObject e = (JsonObject) o;
        AdminDrains.Entry entry = new AdminDrains.Entry(Backend.parse(e.getString("backend")),
            e.getBoolean("drained"), e.getLong("stamp"), e.getString("origin"));
        if (drains().merge(entry)) {
          changed++;
          LOG.atInfo().addKeyValue("backend", entry.backend().toString()).addKeyValue("origin", entry.origin())
              .log(entry.drained() ? "backend drained by admin" : "backend undrained by admin");
        }
      } catch (RuntimeException e) {
        LOG.atDebug().addKeyValue("entry", String.valueOf(o)).log("ignored malformed drain entry");
      }
    }
    return changed;
  }

  private static String string(JsonObject b, String key) {
    Object v = b.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw bad(key + " must be a string");
    }
    return s;
  }

  private static CommandException bad(String detail) {
    return new CommandException(400, "bad_request", detail);
  }
}
