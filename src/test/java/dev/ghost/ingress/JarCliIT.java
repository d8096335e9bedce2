package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.JarProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line of the shipped jar, run as a child process: help and version, and validation of flags, files,
 * values and environment variables before anything starts (exit 2, one stderr line, no stack trace), then a real
 * start and a SIGTERM shutdown.
 */
class JarCliIT {

  private static final Duration EXIT_DEADLINE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @RegisterExtension
  final JarProcesses jars = new JarProcesses();

  private JarProcess jar(Map<String, String> env, String... args) throws Exception {
    return jars.start(env, args);
  }

  /** Runs to completion and checks the usage-error contract: exit 2, exactly one stderr line, no trace. */
  private String usageError(Map<String, String> env, String... args) throws Exception {
    JarProcess p = jar(env, args);
    int code = p.awaitExit(EXIT_DEADLINE);
    assertThat(code).as(p.describe()).isEqualTo(2);
    assertThat(p.stderr()).as(p.describe()).hasSize(1);
    assertThat(JarProcess.stackTraceLines(p.stderr())).as(p.describe()).isEmpty();
    assertThat(p.stdout()).as("nothing starts, so nothing is logged").isEmpty();
    return p.stderr().get(0);
  }

  @Test
  void helpListsSubcommandsAndExitsZero() throws Exception {
    JarProcess p = jar(Map.of(), "--help");
    assertThat(p.awaitExit(EXIT_DEADLINE)).as(p.describe()).isZero();
    String help = String.join("\n", p.stdout());
    assertThat(help).contains("--config").contains("--version").contains("subcommands").contains("sample-workload");
    assertThat(p.stderr()).isEmpty();
  }

  @Test
  void everySubcommandTheHelpListsAnswersItsOwnHelpAndExitsZero() throws Exception {
    JarProcess top = jar(Map.of(), "--help");
    assertThat(top.awaitExit(EXIT_DEADLINE)).isZero();
    List<String> lines = top.stdout();
    int from = lines.indexOf("subcommands:");
    assertThat(from).as("a subcommands section").isNotNegative();
    // a subcommand's first line is "  NAME ..."; its continuation lines are indented further
    List<String> names = lines.subList(from + 1, lines.size()).stream()
        .takeWhile(l -> l.startsWith("  "))
        .filter(l -> !l.startsWith("   ")).map(l -> l.strip().split(" ")[0]).toList();
    assertThat(names).contains("sample-workload", "check", "dev-control-plane", "admin");
    for (String name : names) {
      JarProcess p = jar(Map.of(), name, "--help");
      assertThat(p.awaitExit(EXIT_DEADLINE)).as(name + " --help: " + p.describe()).isZero();
      assertThat(p.stdout().get(0)).as(name).startsWith("usage: java -jar ingress.jar " + name + " ");
      assertThat(p.stderr()).as(name).isEmpty();
    }
  }

  @Test
  void versionExitsZero() throws Exception {
    JarProcess p = jar(Map.of(), "--version");
    assertThat(p.awaitExit(EXIT_DEADLINE)).as(p.describe()).isZero();
    assertThat(p.stdout()).hasSize(1);
    assertThat(p.stdout().get(0)).startsWith("ghost-ingress ").doesNotEndWith(" ");
    assertThat(p.stderr()).isEmpty();
  }

  @Test
  void jarManifestCarriesTheProjectVersion() throws Exception {
    JarProcess p = jar(Map.of(), "--version");
    assertThat(p.awaitExit(EXIT_DEADLINE)).as(p.describe()).isZero();
    assertThat(p.stdout().get(0)).as("the shaded jar reports the build's version, not the classes-dir fallback")
        .isNotEqualTo("ghost-ingress dev");
  }

  @Test
  void unknownFlagIsOneLineExitTwo() throws Exception {
    String line = usageError(Map.of(), "--no-such-flag");
    assertThat(line).contains("--no-such-flag").doesNotContain("usage:");
  }

  @Test
  void missingConfigFileNamesTheFile() throws Exception {
    String line = usageError(Map.of(), "--config", "/nonexistent.toml");
    assertThat(line).contains("/nonexistent.toml").contains("no such file");
  }

  @Test
  void badDurationNamesFileKeyAndReason() throws Exception {
    Path file = JarProcess.write(dir, "bad.toml", "[proxy]\nsniff_timeout = \"5 seconds\"\n");
    String line = usageError(Map.of(), "--config", file.toString());
    assertThat(line).contains(file.toString()).contains("proxy.sniff_timeout").contains("5 seconds")
        .containsIgnoringCase("expected");
  }

  @Test
  void badEnvironmentVariableIsNamed() throws Exception {
    Path file = JarProcess.write(dir, "ok.toml", "# nothing but a comment\n");
    String line = usageError(Map.of("GHOST_LOG_LEVEL", "loud"), "--config", file.toString());
    assertThat(line).contains("GHOST_LOG_LEVEL").contains("loud");
  }

  @ParameterizedTest
  @ValueSource(strings = {"comments.toml", "comments.yaml", "comments.yml"})
  void commentOnlyConfigStartsAndStopsOnSigterm(String name) throws Exception {
    Path file = JarProcess.write(dir, name, "# a config with only comments\n\n   # indented\n");
    JarProcess p = jar(Map.of(
            "GHOST_ADMIN_ADDR", "127.0.0.1:0",
            "GHOST_LISTEN_ADDR_IPV6", "[::1]:0",
            "GHOST_STATE_FILE", dir.resolve("state.json").toString()),
        "--config", file.toString());
    p.awaitLog("ingress ready", j -> true, JarProcess.START_DEADLINE);
    JsonObject listener = p.awaitLog("listening", j -> "::1".equals(j.getString("host")), Duration.ofSeconds(5));
    assertThat(listener.getInteger("port")).isPositive();
    JsonObject admin = p.awaitLog("listening", j -> "admin".equals(j.getString("listener")), Duration.ofSeconds(5));
    assertThat(admin.getInteger("port")).isPositive();
    assertThat(p.stdout().stream().filter(l -> l.contains("\"msg\":\"listening\"") && l.contains("\"host\":\"::1\"")))
        .as("one socket (shared by every event loop) for [::1]:0, logged once").hasSize(1);
    JsonArray sockets = CopiedJarIT.adminGet(admin.getInteger("port"), "/v1/status").getJsonArray("bound_sockets");
    assertThat(sockets).hasSize(1);
    assertThat(sockets.getJsonObject(0).getInteger("port")).isEqualTo(listener.getInteger("port"));

    p.sigterm();
    assertThat(p.awaitExit(Duration.ofSeconds(20))).as(p.describe()).isZero();
    assertThat(JarProcess.stackTraceLines(p.stderr())).as(p.describe()).isEmpty();
    assertThat(JarProcess.stackTraceLines(p.stdout())).as(p.describe()).isEmpty();
    assertThat(p.stdout()).anyMatch(l -> l.contains("\"msg\":\"stopped\""));
  }
}
