package dev.ghost.ingress.admin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The admin API's answers as a person reads them: aligned tables for lists (routes, backends, fleet nodes, sockets),
 * {@code key: value} lines for the rest. Pure: JSON in, text out. Fields it does not know are still shown, as
 * {@code key: value} lines, so a newer node's answer is never hidden by an older CLI.
 */
final class AdminTables {

  private AdminTables() {}

  /** The text for {@code answer} to {@code command}. */
  static String render(AdminCommand command, JsonObject answer) {
    if (answer.containsKey("error")) {
      return "error: " + answer.getValue("error") + (answer.containsKey("detail") ? ": " + answer.getValue("detail")
          : "");
    }
    return switch (command) {
      case ROUTES -> routes(answer);
      case FLEET -> fleet(answer);
      case STATUS -> status(answer);
      default -> keyValues(answer, List.of());
    };
  }

  private static String status(JsonObject s) {
    StringBuilder out = new StringBuilder(keyValues(s, List.of("bound_sockets")));
    out.append("\n\n").append(table(s.getJsonArray("bound_sockets", new JsonArray()), List.of(
        column("LISTENER", o -> o.getValue("listener")),
        column("PORT", o -> o.getValue("port")),
        column("ERROR", o -> o.getValue("error")))));
    return out.toString();
  }

  private static String routes(JsonObject r) {
    StringBuilder out = new StringBuilder("table version " + r.getValue("version") + "\n\n");
    List<JsonObject> rows = new ArrayList<>();
    for (Object o : r.getJsonArray("routes", new JsonArray())) {
      JsonObject route = (JsonObject) o;
      JsonArray backends = route.getJsonArray("backends", new JsonArray());
      if (backends.isEmpty()) {
        rows.add(route.copy().put("backend", null).put("state", null));
      }
      for (int i = 0; i < backends.size(); i++) {
        JsonObject b = backends.getJsonObject(i);
        JsonObject row = i == 0 ? route.copy() : new JsonObject();
        rows.add(row.put("backend", b.getValue("address")).put("state", b.getValue("state")));
      }
    }
    out.append(table(new JsonArray(new ArrayList<>(rows)), List.of(
        column("ROUTE", o -> o.getValue("id")),
        column("HOSTNAME", o -> o.getValue("hostname")),
        column("PORT", o -> o.getValue("port")),
        column("PROTOCOL", o -> o.getValue("protocol")),
        column("PROXY", o -> o.getValue("proxy_protocol")),
        column("ENV", o -> o.getValue("env")),
        column("ORIGIN", o -> o.getValue("origin")),
        column("OPEN", o -> o.getValue("open_connections")),
        column("BACKEND", o -> o.getValue("backend")),
        column("STATE", o -> o.getValue("state")))));
    section(out, "conflicts", r.getJsonArray("conflicts"));
    section(out, "rejected", r.getJsonArray("rejected"));
    section(out, "bind failures", r.getJsonArray("bind_failures"));
    return out.toString();
  }

  private static String fleet(JsonObject f) {
    StringBuilder out = new StringBuilder("leader " + f.getValue("leader") + ", last propagation "
        + (f.getValue("last_propagation_ms") == null ? "-" : f.getValue("last_propagation_ms") + " ms") + "\n\n");
    out.append(table(f.getJsonArray("nodes", new JsonArray()), List.of(
        column("NODE", o -> o.getValue("node_id")),
        column("VERSION", o -> o.getValue("version")),
        column("HASH", o -> o.getValue("hash")),
        column("APPLIED", o -> o.getValue("applied_at")),
        column("ALIVE", o -> o.getValue("alive")),
        column("DIVERGED", o -> o.getValue("diverged")),
        column("DRAINING", o -> o.getValue("draining")))));
    JsonObject draining = f.getJsonObject("draining");
    if (draining != null && !draining.isEmpty()) {
      out.append("\n\ndraining backends\n");
      draining.forEach(e -> out.append("  ").append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
    }
    return out.toString();
  }

  private static void section(StringBuilder out, String title, JsonArray items) {
    if (items != null && !items.isEmpty()) {
      out.append("\n\n").append(title).append('\n');
      items.forEach(i -> out.append("  ").append(i instanceof JsonObject o ? flat(o) : String.valueOf(i))
          .append('\n'));
    }
  }

  /** {@code k=v} pairs of one object, for list items of free shape (conflicts, rejections). */
  private static String flat(JsonObject o) {
    List<String> parts = new ArrayList<>();
    o.forEach(e -> parts.add(e.getKey() + "=" + e.getValue()));
    return String.join(" ", parts);
  }

  /** {@code key: value} per field (nested objects as {@code key.sub: value}), skipping {@code skip}. */
  static String keyValues(JsonObject o, List<String> skip) {
    List<String[]> lines = new ArrayList<>();
    collect("", o, skip, lines);
    int width = lines.stream().mapToInt(l -> l[0].length()).max().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String[] l : lines) {
      if (!out.isEmpty()) {
        out.append('\n');
      }
      out.append(l[0]).append(": ").append(" ".repeat(width - l[0].length())).append(l[1]);
    }
    return out.toString();
  }

  private static void collect(String prefix, JsonObject o, List<String> skip, List<String[]> lines) {
    for (Map.Entry<String, Object> e : o) {
      if (skip.contains(e.getKey())) {
        continue;
      }
      if (e.getValue() instanceof JsonObject nested && !nested.isEmpty()) {
        collect(prefix + e.getKey() + ".", nested, List.of(), lines);
      } else {
        lines.add(new String[] {prefix + e.getKey(), text(e.getValue())});
      }
    }
  }

  private record Column(String title, Function<JsonObject, Object> value) {}

  private static Column column(String title, Function<JsonObject, Object> value) {
    return new Column(title, value);
  }

  /** An aligned table, one row per object of {@code rows}; "(none)" when there are none. */
  private static String table(JsonArray rows, List<Column> columns) {
    if (rows.isEmpty()) {
      return "(none)";
    }
    List<String[]> cells = new ArrayList<>();
    cells.add(columns.stream().map(Column::title).toArray(String[]::new));
    for (Object row : rows) {
      JsonObject o = (JsonObject) row;
      cells.add(columns.stream().map(c -> text(c.value().apply(o))).toArray(String[]::new));
    }
    int[] width = new int[columns.size()];
    cells.forEach(r -> {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    });
    StringBuilder out = new StringBuilder();
    for (String[] r : cells) {
      if (!out.isEmpty()) {
        out.append('\n');
      }
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]).append(i + 1 < r.length ? " ".repeat(width[i] - r[i].length() + 2) : "");
      }
      out.append(line.toString().stripTrailing());
    }
    return out.toString();
  }

  private static String text(Object v) {
    if (v == null) {
      return "-";
    }
    if (v instanceof JsonArray a) {
      List<String> parts = new ArrayList<>();
      a.forEach(x -> parts.add(x instanceof JsonObject o ? flat(o) : String.valueOf(x)));
      return parts.isEmpty() ? "-" : String.join(", ", parts);
    }
    if (v instanceof JsonObject o) {
      return o.isEmpty() ? "-" : flat(o);
    }
    return String.valueOf(v);
  }
}
