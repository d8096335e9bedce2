package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.JarProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check --config FILE} on the shipped jar, as a child process: a good file gives exit 0 and a one-paragraph
 * summary of the table and listeners it builds; a file with rejected routes, conflicts, a lost IPv4 claim and a
 * listener clash gives exit 2 and one stderr line per problem naming the file, the route or env and the reason; a
 * node started on that same file refuses it with the same lines, before anything starts.
 */
class CheckCommandIT {

  private static final Duration EXIT_DEADLINE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @RegisterExtension
  final JarProcesses jars = new JarProcesses();

  private JarProcess run(Map<String, String> env, String... args) throws Exception {
    JarProcess p = jars.start(env, args);
    assertThat(p.awaitExit(EXIT_DEADLINE)).as(p.describe()).isBetween(0, 2);
    return p;
  }

  private static String route(String id, String host, int port, String protocol, String env) {
    return String.join("\n", "[[route]]", "id = \"" + id + "\"",
        host == null ? "" : "hostname = \"" + host + "\"", "port = " + port, "protocol = \"" + protocol + "\"",
        "backends = [\"[::1]:9443\"]", env == null ? "" : "env = \"" + env + "\"", "");
  }

  private String header(String listenExtras) {
    return String.join("\n", "[listen]", "ipv6 = [\"[::1]:8443\"]", "ipv4 = [\"127.0.0.1:8443\"]", listenExtras,
        "[admin]", "listen = \"127.0.0.1:0\"", "[state]", "file = \"" + dir.resolve("state.json") + "\"", "");
  }

  @Test
  void aGoodFileIsSummarisedAndExitsZero() throws Exception {
    Path file = JarProcess.write(dir, "good.toml", header("")
        + "[[env]]\nid = \"dev\"\nipv4 = \"127.0.0.2\"\n"
        + route("web", "myapp.example.com", 8443, "tls_passthrough", "dev")
        + route("api", "api.example.com", 8443, "tls_passthrough", null)
        + route("db", null, 5432, "tcp_raw", null));
    JarProcess p = run(Map.of(), "check", "--config", file.toString());
    assertThat(p.process().exitValue()).as(p.describe()).isZero();
    assertThat(p.stderr()).as(p.describe()).isEmpty();
    String summary = p.stdout().stream().filter(l -> !l.startsWith("{")).reduce("", String::concat);
    assertThat(summary).startsWith(file + ": OK.")
        .contains("3 static route(s) (2 tls_passthrough, 1 tcp_raw)").contains("[5432, 8443]")
        .contains("dev=127.0.0.2").contains("[::1]:8443").contains("127.0.0.2:8443");
    assertThat(p.stdout().stream().filter(l -> l.contains("\"msg\":\"listening\""))).as("nothing is bound").isEmpty();
  }

  @Test
  void everyProblemIsListedAndStartUpRefusesTheSameFile() throws Exception {
    Path file = JarProcess.write(dir, "bad.toml", header("port_map = [\"9001=7000\", \"9002=7000\"]")
        + "[[env]]\nid = \"a\"\nipv4 = \"127.0.0.2\"\n[[env]]\nid = \"b\"\nipv4 = \"127.0.0.2\"\n"
        + route("first", "myapp.example.com", 8443, "tls_passthrough", null)
        + route("second", "MyApp.Example.com", 8443, "tls_passthrough", null)
        + route("wild", "*.example.com", 8443, "tls_passthrough", null)
        + route("idna", "faß.example.com", 8443, "tls_passthrough", null)
        + route("smtp", null, 25, "tcp_raw", null)
        + route("p1", null, 9001, "tcp_raw", null)
        + route("p2", null, 9002, "tcp_raw", null));
    JarProcess check = run(Map.of(), "check", "--config", file.toString());
    assertThat(check.process().exitValue()).as(check.describe()).isEqualTo(2);
    List<String> lines = check.stderr();
    assertThat(lines).as(check.describe()).allMatch(l -> l.startsWith(file + ": "));
    assertThat(lines).anyMatch(l -> l.contains("route 'second'") && l.contains("conflicts with route 'first'"))
        .anyMatch(l -> l.contains("route 'wild'") && l.contains("rejected"))
        .anyMatch(l -> l.contains("route 'idna'") && l.contains("rejected"))
        .anyMatch(l -> l.contains("route 'smtp'") && l.contains("rejected") && l.contains("25"))
        .anyMatch(l -> l.contains("env 'b'") && l.contains("127.0.0.2"))
        .anyMatch(l -> l.contains("listener") && l.contains("9002") && l.contains("7000"));
    assertThat(lines).as("one line per problem; the clash on each listen host").hasSize(7);
    assertThat(JarProcess.stackTraceLines(lines)).isEmpty();

    JarProcess node = run(Map.of(), "--config", file.toString());
    assertThat(node.process().exitValue()).as(node.describe()).isEqualTo(2);
    assertThat(node.stderr()).as("start-up refuses the file with the lines check printed").isEqualTo(lines);
    assertThat(node.stdout()).as("nothing starts, so nothing is logged").isEmpty();
  }

  @Test
  void aBadValueIsTheStartUpLine() throws Exception {
    Path file = JarProcess.write(dir, "value.toml", "[proxy]\nsniff_timeout = \"5 seconds\"\n");
    JarProcess p = run(Map.of(), "check", "--config", file.toString());
    assertThat(p.process().exitValue()).as(p.describe()).isEqualTo(2);
    assertThat(p.stderr()).hasSize(1);
    assertThat(p.stderr().get(0)).contains(file.toString()).contains("proxy.sniff_timeout");
  }

  @Test
  void checkNeedsAFileAndAnswersHelp() throws Exception {
    JarProcess none = run(Map.of(), "check");
    assertThat(none.process().exitValue()).as(none.describe()).isEqualTo(2);
    assertThat(none.stderr()).singleElement().asString().contains("--config FILE");
    JarProcess help = run(Map.of(), "check", "--help");
    assertThat(help.process().exitValue()).as(help.describe()).isZero();
    assertThat(String.join("\n", help.stdout())).contains("check --config FILE");
    JarProcess main = run(Map.of(), "--help");
    assertThat(String.join("\n", main.stdout())).contains("check --config FILE");
  }
}
