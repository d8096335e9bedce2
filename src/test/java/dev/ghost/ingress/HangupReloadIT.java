package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.JarProcesses;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP on the shipped jar, run as a child process: the node re-reads its config file through the admin reload
 * path (periodic scanning is off here, so only the signal can apply the change), a route added to the file then
 * serves a real TLS session, the node keeps running and logs the outcome; a HUP with a broken file keeps the
 * configuration in force and logs the refusal; SIGTERM still drains and exits 0.
 */
class HangupReloadIT {

  private static final Duration DEADLINE = JarProcess.START_DEADLINE;
  private static final String NEW_HOST = "myapp.example.com";

  @TempDir
  Path dir;

  @RegisterExtension
  final JarProcesses jars = new JarProcesses();

  /**
   * The node with SIGHUP at its default disposition whatever the build was started under: a JVM keeps a signal its
   * parent ignored (a build run under {@code nohup}), and then no HUP would reach the node.
   */
  private JarProcess jar(String... args) throws Exception {
    return jars.startVia(List.of("env", "--default-signal=HUP"), Map.of(), args);
  }

  private String config(int backendPort, String... hostnames) {
    List<String> lines = new ArrayList<>(List.of(
        "[listen]", "ipv6 = [\"[::1]:443\"]", "port_map = [\"443=0\"]",
        "[proxy]", "sniff_timeout = \"5s\"",
        "[config]", "scan_period = \"0\"",
        "[admin]", "listen = \"127.0.0.1:0\"",
        "[state]", "file = \"" + dir.resolve("state.json") + "\""));
    for (int i = 0; i < hostnames.length; i++) {
      String host = hostnames[i];
      lines.addAll(List.of("[[route]]", "id = \"route-" + i + "\"", "hostname = \"" + host + "\"", "port = 443",
          "protocol = \"tls_passthrough\"", "proxy_protocol = \"v2\"",
          "backends = [\"[::1]:" + backendPort + "\"]"));
    }
    return String.join("\n", lines) + "\n";
  }

  /** Replaces the file by rename, as docs/configuration.md tells operators to. */
  private static void replace(Path file, String text) throws Exception {
    Path tmp = JarProcess.write(file.getParent(), "." + file.getFileName() + ".new", text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void hangup(JarProcess p) throws Exception {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.process().pid())).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -HUP").isZero();
  }

  private static String clientSeenThrough(int port, JarProcess node) throws Exception {
    try (SSLSocket tls = CopiedJarIT.connect("::1", port, NEW_HOST)) {
      String response = CopiedJarIT.get(tls, NEW_HOST);
      assertThat(CopiedJarIT.line(response, "client: ")).endsWith(":" + tls.getLocalPort());
      return response;
    } catch (java.io.IOException e) {
      throw new java.io.IOException(e + "\n" + node.describe(), e);
    }
  }

  @Test
  void hangupAppliesTheEditedFileAndABrokenFileKeepsTheConfigInForce() throws Exception {
    JarProcess workload = jar("sample-workload", "--listen", "[::1]:0");
    int backendPort = workload.awaitLog("sample workload listening", j -> true, DEADLINE).getInteger("port");
    Path file = JarProcess.write(dir, "ingress.toml", config(backendPort, "other.example.com"));
    JarProcess node = jar("--config", file.toString());
    node.awaitLog("ingress ready", j -> true, DEADLINE);
    int adminPort = node.awaitLog("listening", j -> "admin".equals(j.getString("listener")), DEADLINE)
        .getInteger("port");
    int port = CopiedJarIT.boundPort(adminPort, "::1", 443);
    assertThatThrownBy(() -> clientSeenThrough(port, node)).as("no route for " + NEW_HOST + " yet")
        .isInstanceOf(java.io.IOException.class);

    replace(file, config(backendPort, "other.example.com", NEW_HOST));
    hangup(node);
    JsonObject reloaded = node.awaitLog("config reloaded", j -> "signal".equals(j.getString("trigger")), DEADLINE);
    assertThat(reloaded.getValue("changed").toString()).contains("route");
    // the reload puts the config in force; the rebuilt table is swapped in by the listeners that follow it
    node.awaitLog("route table applied", j -> "config_reload".equals(j.getString("cause")), DEADLINE);
    clientSeenThrough(port, node);
    assertThat(node.process().isAlive()).as(node.describe()).isTrue();

    replace(file, "[[route]\nthis is not toml\n");
    hangup(node);
    String refused = node.awaitStdout(l -> JarProcess.json(l).filter(j -> "signal".equals(j.getString("trigger"))
        && j.getString("msg", "").startsWith("config reload rejected, previous config stays")).isPresent(), DEADLINE);
    assertThat(JarProcess.json(refused).orElseThrow().getString("file")).isEqualTo(file.toString());
    clientSeenThrough(port, node);

    // a file start-up would refuse (a second route for the same name) is refused by a reload too
    replace(file, config(backendPort, "other.example.com", NEW_HOST, NEW_HOST));
    hangup(node);
    node.awaitStdout(l -> JarProcess.json(l).filter(j -> "signal".equals(j.getString("trigger"))
        && j.getString("msg", "").startsWith("config reload rejected, previous config stays")
        && j.getString("msg", "").contains("conflicts with route")).isPresent(), DEADLINE);
    clientSeenThrough(port, node);
    assertThat(CopiedJarIT.adminGet(adminPort, "/v1/status")).isNotNull();
    assertThat(node.process().isAlive()).as(node.describe()).isTrue();

    node.sigterm();
    assertThat(node.awaitExit(Duration.ofSeconds(20))).as(node.describe()).isZero();
    assertThat(JarProcess.stackTraceLines(node.stdout())).as(node.describe()).isEmpty();
    assertThat(JarProcess.stackTraceLines(node.stderr())).as(node.describe()).isEmpty();
  }

  /**
   * Started under {@code nohup}, the JVM keeps SIGHUP ignored and the node cannot reload on it: it says so once at
   * start, and a HUP neither reloads nor stops it.
   */
  @Test
  void aNodeStartedWithHangupIgnoredSaysSoAndSurvivesAHangup() throws Exception {
    JarProcess workload = jar("sample-workload", "--listen", "[::1]:0");
    int backendPort = workload.awaitLog("sample workload listening", j -> true, DEADLINE).getInteger("port");
    Path file = JarProcess.write(dir, "ingress.toml", config(backendPort, "other.example.com"));
    JarProcess node = jars.startVia(List.of("nohup"), Map.of(), "--config", file.toString());
    node.awaitLog("SIGHUP was ignored when the node started (nohup?), so it cannot reload; use admin reload",
        j -> "HUP".equals(j.getString("signal")) && "WARN".equals(j.getString("level")), DEADLINE);
    node.awaitLog("ingress ready", j -> true, DEADLINE);
    hangup(node);
    node.sigterm(); // a HUP handled after this would find the node draining; one that reloaded would log first
    assertThat(node.awaitExit(Duration.ofSeconds(20))).as(node.describe()).isZero();
    assertThat(node.stdout()).as("no reload").noneMatch(l -> l.contains("config reload requested"));
  }

  @Test
  void helpDocumentsTheSignals() throws Exception {
    JarProcess p = jar("--help");
    assertThat(p.awaitExit(DEADLINE)).as(p.describe()).isZero();
    assertThat(String.join("\n", p.stdout())).contains("SIGHUP").contains("SIGTERM");
  }
}
