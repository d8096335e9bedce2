package dev.ghost.ingress.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 7: every {@code ghost_*} series the dashboard and the alert rules query is a metric declared in
 * {@link MetricNames}, spelled as Micrometer's Prometheus registry exposes it: dots become underscores, a counter's
 * samples end in {@code _total}, a timer's or histogram's in {@code _bucket}, {@code _count}, {@code _sum} (and a
 * {@code _max} gauge), and a base unit ({@code seconds}, {@code bytes}) may follow the name when the metric's HELP
 * text names that unit. The type is the first word of the declared HELP text. A metric renamed or removed in
 * {@code MetricNames} fails this test until the kit follows. The exact exposed names of the metrics a node registers
 * at start are checked on a real scrape by {@link DeployKitIT}.
 */
class DeployMetricNamesTest {

  private static final List<String> UNITS = List.of("seconds", "bytes");

  /** A declared metric as Prometheus shows it: base name and meter type. */
  record Declared(String base, String type, String help) {}

  static Map<String, Declared> declared() {
    Map<String, Declared> out = new java.util.TreeMap<>();
    MetricNames.help().forEach((name, help) -> {
      String type = help.split("[ :]", 2)[0].toLowerCase(Locale.ROOT);
      out.put(name.replace('.', '_'), new Declared(name.replace('.', '_'), type, help));
    });
    return out;
  }

  /** The declared metric a sample name belongs to, or empty. */
  static Optional<Declared> resolve(String sample, Map<String, Declared> declared) {
    for (String suffix : List.of("", "_total", "_bucket", "_count", "_sum", "_max")) {
      if (!sample.endsWith(suffix)) {
        continue;
      }
      String family = sample.substring(0, sample.length() - suffix.length());
      for (String unit : withNoUnit()) {
        String base = unit.isEmpty() ? family : family.endsWith("_" + unit)
            ? family.substring(0, family.length() - unit.length() - 1) : null;
        Declared d = base == null ? null : declared.get(base);
        if (d != null && suffixFits(d.type(), suffix) && (unit.isEmpty() || d.help().contains(unit))) {
          return Optional.of(d);
        }
      }
    }
    return Optional.empty();
  }

  private static List<String> withNoUnit() {
    List<String> all = new java.util.ArrayList<>(List.of(""));
    all.addAll(UNITS);
    return all;
  }

  private static boolean suffixFits(String type, String suffix) {
    return switch (type) {
      case "counter" -> suffix.equals("_total");
      case "gauge" -> suffix.isEmpty();
      case "timer", "histogram", "summary" -> List.of("_bucket", "_count", "_sum", "_max").contains(suffix);
      default -> false;
    };
  }

  @Test
  void everyGhostSeriesTheKitQueriesIsDeclaredInMetricNames() throws Exception {
    Map<String, Declared> declared = declared();
    Set<String> names = DeployQueries.allMetricNames();
    Set<String> ghost = new TreeSet<>(names.stream().filter(n -> n.startsWith("ghost_")).toList());
    assertThat(ghost).as("ghost series in the dashboard and the alerts").hasSizeGreaterThan(20);
    Set<String> used = new HashSet<>();
    for (String name : ghost) {
      Optional<Declared> d = resolve(name, declared);
      assertThat(d).as(name + " is a metric of MetricNames as Prometheus shows it (type suffix, unit)").isPresent();
      used.add(d.get().base());
    }
    // Only the standard meters besides ours: the scrape's own `up`, and Micrometer's process and JVM binders
    assertThat(names).as("series other than ghost_*").allMatch(n -> n.startsWith("ghost_") || n.equals("up")
        || n.startsWith("process_") || n.startsWith("jvm_"));
    assertThat(used).as("declared metrics the kit queries").hasSizeGreaterThan(20);
  }

  @Test
  void labelsMatchedOnGhostSeriesAreTheirDeclaredLabels() throws Exception {
    Map<String, Declared> declared = declared();
    for (String expr : DeployQueries.expressions()) {
      DeployQueries.ghostMatcherLabels(expr).forEach((name, labels) -> {
        Declared d = resolve(name, declared).orElseThrow(() -> new AssertionError(name + " is not declared"));
        Set<String> allowed = new HashSet<>(List.of("job", "instance")); // added by the scrape
        int open = d.help().indexOf('{');
        if (open >= 0 && open < d.help().indexOf(':')) {
          allowed.addAll(Arrays.stream(d.help().substring(open + 1, d.help().indexOf('}')).split(","))
              .map(String::strip).toList());
        }
        assertThat(allowed).as(name + ": labels matched in " + expr).containsAll(labels);
      });
    }
  }

  @Test
  void theLexerFindsSeriesNamesAndNothingElse() {
    assertThat(DeployQueries.metricNames("sum by (job, route) (rate(ghost_a_total{job=\"x\", route=~\"$r\"}"
        + "[$__rate_interval])) / on(instance) group_left(kind) ghost_b > 0.5 and up offset 5m"))
        .containsExactly("ghost_a_total", "ghost_b", "up");
    assertThat(DeployQueries.metricNames("label_values(up{job=\"$job\"}, instance)")).containsExactly("up");
    assertThat(DeployQueries.metricNames("topk(10, max by (instance) (process_files_open_files) > bool 1e3)"))
        .containsExactly("process_files_open_files");
  }

  @Test
  void resolutionFollowsMicrometersPrometheusNaming() {
    Map<String, Declared> declared = declared();
    assertThat(resolve("ghost_connections_accepted_total", declared)).isPresent();
    assertThat(resolve("ghost_connections_accepted", declared)).as("a counter without _total").isEmpty();
    assertThat(resolve("ghost_connections_active_total", declared)).as("a gauge with _total").isEmpty();
    assertThat(resolve("ghost_event_loop_lag_max_seconds", declared)).as("a unit its HELP names").isPresent();
    assertThat(resolve("ghost_routes_loaded_seconds", declared)).as("a unit its HELP does not name").isEmpty();
    assertThat(resolve("ghost_no_such_metric", declared)).isEmpty();
  }
}
