package dev.ghost.ingress.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code /metrics} body (Prometheus text format 0.0.4) read into families and samples, for the checks promtool
 * does not make: every sample under a declared family, counters named {@code _total}, histograms whose buckets are
 * ordered, cumulative and closed by {@code +Inf} equal to {@code _count}. {@link #problems()} lists what is wrong.
 */
public final class PrometheusText {

  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+-?\\d+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** One family: its TYPE, HELP and samples. */
  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();

  private PrometheusText() {}

  /** Reads {@code text}; what breaks the format or the conventions goes to {@link #problems()}. */
  public static PrometheusText parse(String text) {
    PrometheusText t = new PrometheusText();
    t.read(text);
    t.families.values().forEach(t::check);
    return t;
  }

  public Map<String, Family> families() {
    return families;
  }

  public List<String> problems() {
    return problems;
  }

  /** The samples named {@code name} (a family or a histogram's {@code _bucket}/{@code _count}/{@code _sum}). */
  public List<Sample> samples(String name) {
    return families.values().stream().flatMap(f -> f.samples().stream()).filter(s -> s.name().equals(name))
        .toList();
  }

  /** The value of the one sample {@code name} whose labels include {@code labels} (pairs); fails when not one. */
  public double value(String name, String... labels) {
    List<Sample> found = samples(name).stream().filter(s -> hasLabels(s, labels)).toList();
    if (found.size() != 1) {
      throw new AssertionError(found.size() + " samples " + name + " with " + List.of(labels) + ": " + found);
    }
    return found.get(0).value();
  }

  private static boolean hasLabels(Sample s, String... labels) {
    for (int i = 0; i < labels.length; i += 2) {
      if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
        return false;
      }
    }
    return true;
  }

  private void read(String text) {
    Map<String, String> help = new LinkedHashMap<>();
    Family current = null;
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("# HELP ")) {
        String[] parts = line.substring(7).split(" ", 2);
        help.put(parts[0], parts.length > 1 ? parts[1] : "");
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        current = new Family(parts[0], parts.length > 1 ? parts[1] : "", help.get(parts[0]), new ArrayList<>());
        if (families.put(current.name(), current) != null) {
          problems.add("TYPE declared twice: " + current.name());
        }
      } else if (!line.startsWith("#")) {
        current = sample(line, current);
      }
    }
  }

  private Family sample(String line, Family current) {
    Matcher m = SAMPLE.matcher(line);
    if (!m.matches()) {
      problems.add("not a sample line: " + line);
      return current;
    }
    String name = m.group(1);
    if (current == null || !belongs(name, current)) {
      problems.add("sample without its family's TYPE right before it: " + line);
      return current;
    }
    Map<String, String> labels = new TreeMap<>();
    if (m.group(2) != null) {
      Matcher l = LABEL.matcher(m.group(2));
      int end = 0;
      while (l.find() && l.start() == end) {
        labels.put(l.group(1), l.group(2));
        end = l.end();
      }
      if (end != m.group(2).length()) {
        problems.add("malformed labels: " + line);
      }
    }
    try {
      current.samples().add(new Sample(name, labels, Double.parseDouble(m.group(3).replace("Inf", "Infinity"))));
    } catch (NumberFormatException e) {
      problems.add("not a number: " + line);
    }
    return current;
  }

  private static boolean belongs(String sample, Family f) {
    return switch (f.type()) {
      case "histogram" -> sample.equals(f.name() + "_bucket") || sample.equals(f.name() + "_count")
          || sample.equals(f.name() + "_sum");
      case "summary" -> sample.equals(f.name()) || sample.equals(f.name() + "_count")
          || sample.equals(f.name() + "_sum");
      default -> sample.equals(f.name());
    };
  }

  private void check(Family f) {
    if (f.help() == null || f.help().isBlank()) {
      problems.add("no HELP: " + f.name());
    }
    switch (f.type()) {
      case "counter" -> {
        if (!f.name().endsWith("_total")) {
          problems.add("counter not named _total: " + f.name());
        }
      }
      case "gauge", "summary" -> { }
      case "histogram" -> checkHistogram(f);
      default -> problems.add("TYPE " + f.type() + " (not counter, gauge, histogram, summary): " + f.name());
    }
    if (f.samples().isEmpty()) {
      problems.add("no sample: " + f.name());
    }
  }

  /** Per label set: le ascending, counts non-decreasing, the last le is +Inf and equals _count; _sum present. */
  private void checkHistogram(Family f) {
    Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
    Map<Map<String, String>, Double> sums = new LinkedHashMap<>();
    for (Sample s : f.samples()) {
      Map<String, String> series = new TreeMap<>(s.labels());
      series.remove("le");
      if (s.name().endsWith("_bucket")) {
        if (!s.labels().containsKey("le")) {
          problems.add("bucket without le: " + s);
        }
        buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
      } else if (s.name().endsWith("_count")) {
        counts.put(series, s.value());
      } else {
        sums.put(series, s.value());
      }
    }
    if (buckets.isEmpty()) {
      problems.add("histogram without buckets: " + f.name());
    }
    buckets.forEach((series, list) -> {
      double previousLe = Double.NEGATIVE_INFINITY;
      double previousCount = 0;
      for (Sample b : list) {
        double le = Double.parseDouble(b.labels().getOrDefault("le", "NaN").replace("Inf", "Infinity"));
        if (!(le > previousLe) || b.value() < previousCount) {
          problems.add("bucket out of order or not cumulative: " + f.name() + " " + b.labels());
        }
        previousLe = le;
        previousCount = b.value();
      }
      if (previousLe != Double.POSITIVE_INFINITY) {
        problems.add("no +Inf bucket: " + f.name() + series);
      } else if (!Double.valueOf(previousCount).equals(counts.get(series))) {
        problems.add("+Inf bucket is not _count: " + f.name() + series);
      }
      if (!sums.containsKey(series)) {
        problems.add("no _sum: " + f.name() + series);
      }
    });
  }
}
