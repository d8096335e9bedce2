package dev.ghost.ingress.deploy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The PromQL expressions of the deploy kit ({@code deploy/grafana/ghost-ingress.json}, {@code
 * deploy/prometheus/alerts.yml}) and the metric names they query. The names come from a small lexer, not a regex
 * for {@code ghost_*} alone: string literals, label matchers, range selectors, grouping clauses, function calls and
 * keywords are removed, and what is left are the series names, whatever their prefix.
 */
final class DeployQueries {

  static final Path ROOT = Path.of("").toAbsolutePath();
  static final Path DASHBOARD = ROOT.resolve("deploy/grafana/ghost-ingress.json");
  static final Path ALERTS = ROOT.resolve("deploy/prometheus/alerts.yml");

  /** Words of PromQL that are not series names (aggregations and functions are recognised by their "("). */
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
      "ignoring", "group_left", "group_right", "inf", "nan");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*]");
  private static final Pattern GROUPING = Pattern.compile(
      "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private DeployQueries() {}

  /** Every expression of the dashboard (panel targets, nested panels, variable queries) and of the alert rules. */
  static List<String> expressions() throws Exception {
    List<String> out = new ArrayList<>();
    dashboardExpressions(new JsonObject(Files.readString(DASHBOARD)), out);
    out.addAll(alertExpressions());
    return out;
  }

  static List<String> alertExpressions() throws Exception {
    List<String> out = new ArrayList<>();
    Map<String, Object> doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(ALERTS));
    for (Object g : (List<?>) doc.get("groups")) {
      for (Object r : (List<?>) ((Map<?, ?>) g).get("rules")) {
        out.add(String.valueOf(((Map<?, ?>) r).get("expr")));
      }
    }
    return out;
  }

  private static void dashboardExpressions(Object node, List<String> out) {
    if (node instanceof JsonObject o) {
      for (String key : o.fieldNames()) {
        Object v = o.getValue(key);
        if ((key.equals("expr") || key.equals("definition")) && v instanceof String s) {
          out.add(s);
        } else {
          dashboardExpressions(v, out);
        }
      }
    } else if (node instanceof JsonArray a) {
      a.forEach(v -> dashboardExpressions(v, out));
    }
  }

  /** The series names an expression selects. */
  static Set<String> metricNames(String expr) {
    // Grafana's label_values(selector, label): the label is not a series
    String e = expr.replaceAll("label_values\\(([^,]*),\\s*\\w+\\s*\\)", "$1");
    e = STRING.matcher(e).replaceAll("\"\"");
    e = MATCHERS.matcher(e).replaceAll(" ");
    e = RANGE.matcher(e).replaceAll(" ");
    e = GROUPING.matcher(e).replaceAll(" ");
    e = e.replaceAll("\\$\\{?\\w+}?", " "); // Grafana variables outside matchers
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(e);
    while (m.find()) {
      String word = m.group();
      boolean call = e.substring(m.end()).stripLeading().startsWith("(");
      boolean number = m.start() > 0 && Character.isDigit(e.charAt(m.start() - 1)); // 1e3, 5m
      if (!call && !number && !KEYWORDS.contains(word.toLowerCase())) {
        names.add(word);
      }
    }
    return names;
  }

  /** Every series name the kit queries. */
  static Set<String> allMetricNames() throws Exception {
    Set<String> names = new TreeSet<>();
    for (String e : expressions()) {
      names.addAll(metricNames(e));
    }
    return names;
  }

  /** The label names matched on {@code ghost_*} selectors, by metric: {@code ghost_x{route="a"}} gives route. */
  static Map<String, Set<String>> ghostMatcherLabels(String expr) {
    Map<String, Set<String>> out = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("\\b(ghost_\\w+)\\s*\\{([^}]*)}").matcher(STRING.matcher(expr).replaceAll("\"\""));
    while (m.find()) {
      Matcher label = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)").matcher(m.group(2));
      while (label.find()) {
        out.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(label.group(1));
      }
    }
    return out;
  }
}
