package dev.ghost.ingress.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The scrape checker finds what it promises to find, and nothing in a well-formed scrape. */
class PrometheusTextTest {

  private static final String GOOD = """
      # HELP a_total Counter: a.
      # TYPE a_total counter
      a_total{reason="x",route="r"} 1.0
      # HELP b_seconds Histogram: b.
      # TYPE b_seconds histogram
      b_seconds_bucket{le="0.1"} 1
      b_seconds_bucket{le="1.0"} 2
      b_seconds_bucket{le="+Inf"} 2
      b_seconds_count 2
      b_seconds_sum 0.6
      """;

  @Test
  void aWellFormedScrapeHasNoProblem() {
    PrometheusText t = PrometheusText.parse(GOOD);
    assertThat(t.problems()).isEmpty();
    assertThat(t.value("a_total", "route", "r")).isEqualTo(1);
    assertThat(t.value("b_seconds_count")).isEqualTo(2);
  }

  @Test
  void eachBrokenRuleIsReported() {
    assertThat(problems(GOOD.replace("# HELP a_total Counter: a.\n", ""))).anyMatch(p -> p.startsWith("no HELP"));
    assertThat(problems(GOOD.replace("a_total", "a"))).anyMatch(p -> p.startsWith("counter not named _total"));
    assertThat(problems(GOOD.replace("{le=\"1.0\"} 2", "{le=\"1.0\"} 0")))
        .anyMatch(p -> p.startsWith("bucket out of order or not cumulative"));
    assertThat(problems(GOOD.replace("b_seconds_bucket{le=\"+Inf\"} 2\n", "")))
        .anyMatch(p -> p.startsWith("no +Inf bucket"));
    assertThat(problems(GOOD.replace("b_seconds_count 2", "b_seconds_count 3")))
        .anyMatch(p -> p.startsWith("+Inf bucket is not _count"));
    assertThat(problems(GOOD.replace("b_seconds_sum 0.6\n", ""))).anyMatch(p -> p.startsWith("no _sum"));
    assertThat(problems(GOOD + "c 1\n")).anyMatch(p -> p.startsWith("sample without its family's TYPE"));
    assertThat(problems(GOOD.replace("counter", "untyped"))).anyMatch(p -> p.startsWith("TYPE untyped"));
    assertThat(problems(GOOD.replace("1.0\n", "one\n"))).anyMatch(p -> p.startsWith("not a number"));
  }

  private static java.util.List<String> problems(String text) {
    return PrometheusText.parse(text).problems();
  }
}
