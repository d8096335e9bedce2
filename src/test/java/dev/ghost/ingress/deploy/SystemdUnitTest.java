package dev.ghost.ingress.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.CommandLine;
import dev.ghost.ingress.config.Durations;
import dev.ghost.ingress.config.Settings;
import dev.ghost.ingress.testing.JvmFlagsDoc;
import dev.ghost.ingress.proxy.ConnectionLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 7: {@code deploy/systemd/ghost-ingress.service} runs the node as an unprivileged user with only the
 * capability for port 443, a descriptor limit, reload by SIGHUP, a stop timeout above the shutdown timeout (both
 * read from {@link Settings}, not repeated here), the state directory writable under {@code ProtectSystem=strict},
 * and commands the real CLI accepts. {@code systemd-analyze verify} runs in {@link DeployKitIT}.
 */
class SystemdUnitTest {

  static final Path UNIT = DeployQueries.ROOT.resolve("deploy/systemd/ghost-ingress.service");
  static final Path SYSUSERS = DeployQueries.ROOT.resolve("deploy/systemd/ghost-ingress.sysusers.conf");

  /** Section -> key -> values in file order (a key may repeat). */
  private static Map<String, Map<String, List<String>>> unit;

  @BeforeAll
  static void load() throws Exception {
    unit = parse(Files.readString(UNIT));
  }

  /** systemd's unit file syntax: sections, key=value, '#' and ';' comments, backslash continuation. */
  static Map<String, Map<String, List<String>>> parse(String text) {
    Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
    Map<String, List<String>> section = null;
    StringBuilder line = new StringBuilder();
    for (String raw : text.split("\n", -1)) {
      String t = raw.strip();
      if (line.length() == 0 && (t.isEmpty() || t.startsWith("#") || t.startsWith(";"))) {
        continue;
      }
      if (line.length() > 0 && (t.startsWith("#") || t.startsWith(";"))) {
        continue; // a comment inside a continuation
      }
      if (t.endsWith("\\")) {
        line.append(t, 0, t.length() - 1).append(' ');
        continue;
      }
      line.append(t);
      String full = line.toString();
      line.setLength(0);
      if (full.startsWith("[") && full.endsWith("]")) {
        section = out.computeIfAbsent(full.substring(1, full.length() - 1), k -> new LinkedHashMap<>());
        continue;
      }
      assertThat(section).as("a key before any section: " + full).isNotNull();
      int eq = full.indexOf('=');
      assertThat(eq).as("key=value: " + full).isPositive();
      section.computeIfAbsent(full.substring(0, eq).strip(), k -> new ArrayList<>()).add(full.substring(eq + 1).strip());
    }
    return out;
  }

  static String service(String key) {
    List<String> values = unit.get("Service").get(key);
    assertThat(values).as("[Service] " + key).isNotNull().hasSize(1);
    return values.get(0);
  }

  /** A systemd time span: "75s", "1min 30s", "2m", or bare seconds. */
  static Duration timeSpan(String text) {
    Matcher m = Pattern.compile("(\\d+)\\s*(ms|minutes?|min|m|seconds?|sec|s|hours?|hr|h)?").matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      assertThat(text.substring(end, m.start()).isBlank()).as("time span " + text).isTrue();
      long n = Long.parseLong(m.group(1));
      String u = m.group(2) == null ? "s" : m.group(2);
      total = total.plus(switch (u.charAt(0)) {
        case 'h' -> Duration.ofHours(n);
        case 'm' -> u.equals("ms") ? Duration.ofMillis(n) : Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      });
      end = m.end();
    }
    assertThat(text.substring(end).isBlank() && end > 0).as("time span " + text).isTrue();
    return total;
  }

  /** The ingress CLI arguments of an Exec line that runs the jar ({@code java [jvm flags] -jar JAR args...}). */
  static List<String> jarArgs(String exec) {
    List<String> argv = Arrays.asList(exec.trim().split("\\s+"));
    assertThat(argv.get(0)).as("runs java by absolute path: " + exec).startsWith("/").endsWith("/java");
    int jar = argv.indexOf("-jar");
    assertThat(jar).as("-jar in " + exec).isPositive();
    assertThat(argv.get(jar + 1)).as("the jar").isEqualTo("/opt/ghost/ingress.jar");
    return argv.subList(jar + 2, argv.size());
  }

  @Test
  void runsAsAnUnprivilegedUserWithOnlyTheCapabilityToBindPort443() throws Exception {
    assertThat(service("User")).isNotIn("root", "0");
    assertThat(service("AmbientCapabilities")).isEqualTo("CAP_NET_BIND_SERVICE");
    assertThat(service("CapabilityBoundingSet")).isEqualTo("CAP_NET_BIND_SERVICE");
    assertThat(service("NoNewPrivileges")).isEqualTo("yes");
    // the user is created by the sysusers.d file shipped beside it
    assertThat(Files.readAllLines(SYSUSERS)).as("sysusers.d line for User=")
        .anyMatch(l -> l.matches("u\\s+" + Pattern.quote(service("User")) + "\\s.*"));
  }

  @Test
  void stopTimeoutExceedsTheDefaultShutdownTimeoutSoADrainEndsBeforeSigkill() {
    Duration shutdown = Durations.parse(Settings.SHUTDOWN_TIMEOUT.defaultValue());
    assertThat(timeSpan(service("TimeoutStopSec"))).as("TimeoutStopSec vs proxy.shutdown_timeout " + shutdown)
        .isGreaterThan(shutdown);
    assertThat(service("KillSignal")).isEqualTo("SIGTERM");
  }

  @Test
  void reloadIsSighupToTheMainProcess() {
    assertThat(service("ExecReload")).isEqualTo("/bin/kill -HUP $MAINPID");
  }

  @Test
  void descriptorLimitLeavesRoomForManyConnections() {
    long nofile = Long.parseLong(service("LimitNOFILE"));
    assertThat(ConnectionLimits.fromOpenFileLimit(nofile)).as("connections LimitNOFILE allows")
        .isGreaterThanOrEqualTo(100_000);
  }

  @Test
  void theStateFileDirectoryIsTheOnlyWritablePathUnderAStrictFileSystem() {
    assertThat(service("ProtectSystem")).isEqualTo("strict");
    Path stateDir = Path.of(Settings.STATE_FILE.defaultValue()).getParent();
    assertThat(Path.of("/var/lib").resolve(service("StateDirectory"))).as("StateDirectory (created, owned by User)")
        .isEqualTo(stateDir);
    assertThat(service("ReadWritePaths")).isEqualTo(stateDir.toString());
    assertThat(service("WorkingDirectory")).isEqualTo(stateDir.toString());
  }

  @Test
  void commandsAreOnesTheCliAccepts() {
    CommandLine run = CommandLine.parse(jarArgs(service("ExecStart")).toArray(String[]::new));
    assertThat(run).as("ExecStart runs a node from a file").isInstanceOf(CommandLine.Run.class);
    assertThat(((CommandLine.Run) run).embeddedDefault()).isFalse();
    CommandLine pre = CommandLine.parse(jarArgs(service("ExecStartPre")).toArray(String[]::new));
    assertThat(pre).as("ExecStartPre checks the config").isInstanceOf(CommandLine.Subcommand.class);
    CommandLine.Subcommand check = (CommandLine.Subcommand) pre;
    assertThat(check.name()).isEqualTo("check");
    assertThat(CommandLine.parse(check.args().toArray(String[]::new)))
        .as("check --config: the same file as ExecStart").isEqualTo(run);
    assertThat(unit.get("Install").get("WantedBy")).containsExactly("multi-user.target");
  }

  @Test
  void execStartRunsTheDocumentedJvmFlags() throws Exception {
    List<String> argv = JvmFlagsDoc.shellWords(service("ExecStart"));
    assertThat(argv.subList(1, argv.indexOf("-jar"))).as("ExecStart's JVM flags, as docs/deployment.md writes them")
        .containsExactlyElementsOf(JvmFlagsDoc.documentedFlags());
  }

  @Test
  void theTimeSpanParserReadsSystemdSpans() {
    assertThat(timeSpan("75s")).isEqualTo(Duration.ofSeconds(75));
    assertThat(timeSpan("1min 30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(timeSpan("90")).isEqualTo(Duration.ofSeconds(90));
    assertThat(timeSpan("2m")).isEqualTo(Duration.ofMinutes(2));
  }
}
