package dev.ghost.ingress.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.Tools;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 7, with the real tools: {@code promtool} checks the alert rules and the compose profile's
 * Prometheus config and runs the rules' cases ({@code alerts.test.yml}); {@code systemd-analyze verify} checks the
 * unit; and a real node's {@code /metrics} has, exactly as spelled, every series the kit queries among the families
 * the node registers (process and JVM meters, and every {@code ghost_*} family present on the scrape, which catches
 * a wrong unit suffix that the name check of {@link DeployMetricNamesTest} allows). A missing tool skips here and
 * fails under CI ({@code .ci/run} installs both).
 */
class DeployKitIT {

  @TempDir
  Path dir;

  /** Runs a command to its end (bounded); exit code and combined output. */
  record Run(int exit, String output) {}

  static Run run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).directory(DeployQueries.ROOT.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes(); // ends when the process closes its output
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not end: " + new String(out, StandardCharsets.UTF_8));
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void promtoolAcceptsTheRulesAndTheConfigAndTheRulesPassTheirCases() throws Exception {
    String promtool = Tools.require("promtool").toString();
    for (List<String> cmd : List.of(
        List.of(promtool, "check", "rules", "deploy/prometheus/alerts.yml"),
        List.of(promtool, "check", "config", "deploy/prometheus/prometheus.yml"),
        List.of(promtool, "test", "rules", "deploy/prometheus/alerts.test.yml"))) {
      Run r = run(cmd);
      assertThat(r.exit()).as(String.join(" ", cmd) + "\n" + r.output()).isZero();
      assertThat(r.output()).as(String.join(" ", cmd)).contains("SUCCESS");
    }
  }

  @Test
  void systemdAnalyzeVerifiesTheUnitWithoutAWarning() throws Exception {
    String analyze = Tools.require("systemd-analyze").toString();
    // verify checks that ExecStart's program exists: where this machine's JDK is not /usr/bin/java, the copy runs
    // the JVM running this test instead (nothing else differs)
    String unit = Files.readString(SystemdUnitTest.UNIT);
    Path usrBinJava = Path.of("/usr/bin/java");
    if (!Files.isExecutable(usrBinJava)) {
      String self = ProcessHandle.current().info().command().orElseThrow();
      unit = unit.replace("/usr/bin/java ", self + " ");
    }
    Path copy = dir.resolve(SystemdUnitTest.UNIT.getFileName());
    Files.writeString(copy, unit);
    Run r = run(List.of(analyze, "verify", copy.toString()));
    assertThat(r.exit()).as("systemd-analyze verify\n" + r.output()).isZero();
    // unknown keys and unparsable values are warnings with exit 0: none is allowed either
    assertThat(r.output().lines().filter(l -> l.contains(copy.getFileName().toString())))
        .as("systemd-analyze verify warnings").isEmpty();
  }

  @Test
  void everySeriesTheKitQueriesIsOnARealScrapeWhereItsFamilyIs() throws Exception {
    Set<String> scraped = new TreeSet<>();
    try (TestNode node = TestNode.start(new TestNode.Spec().ipv6("::1")
        .route(RouteJson.raw("raw", 7000, "127.0.0.1:9")))) {
      // one refused connection: connection, route and connect-failure meters appear too
      try (Socket s = new Socket("::1", node.port("::1", 7000))) {
        s.getOutputStream().write('x');
        s.getInputStream().read();
      } catch (IOException reset) {
        // the node closes it: no backend listens on port 9
      }
      String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.admin("/metrics")))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      text.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
          .forEach(l -> scraped.add(l.split("[{ ]", 2)[0]));
    }
    Map<String, DeployMetricNamesTest.Declared> declared = DeployMetricNamesTest.declared();
    List<String> checked = new ArrayList<>();
    for (String name : DeployQueries.allMetricNames()) {
      if (name.equals("up")) {
        continue; // made by Prometheus for each target
      }
      if (name.startsWith("ghost_")) {
        Optional<DeployMetricNamesTest.Declared> family = DeployMetricNamesTest.resolve(name, declared);
        boolean present = family.isPresent() && scraped.stream()
            .anyMatch(s -> family.equals(DeployMetricNamesTest.resolve(s, declared)));
        if (!present) {
          continue; // registered on first use: DeployMetricNamesTest checks its name
        }
      }
      assertThat(scraped).as(name + " on the scrape").contains(name);
      checked.add(name);
    }
    assertThat(checked).as("series checked against the scrape").hasSizeGreaterThan(15)
        .contains("process_files_open_files", "ghost_event_loop_lag_max_seconds");
  }
}
