package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.JvmFlagsDoc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM flags of docs/deployment.md ("JVM settings") start a node on this JDK and on JDK 25 (skipped as in
 * {@link Jdk25IT} when missing), and none of them writes to stdout, which carries the JSON log (a
 * {@code -XX:CompileCommand} without {@code quiet} before it prints itself there). The flags are read from the
 * document, so what is tested is what operators copy.
 */
class DocumentedJvmFlagsIT {

  @TempDir
  Path dir;

  @Test
  void documentedFlagsStartANodeWhoseStdoutIsOnlyJson() throws Exception {
    startsWithOnlyJsonOnStdout(JarProcess.currentJava());
  }

  @Test
  void documentedFlagsStartANodeOnJdk25Too() throws Exception {
    startsWithOnlyJsonOnStdout(Jdk25IT.jdk25());
  }

  private void startsWithOnlyJsonOnStdout(String java) throws Exception {
    List<String> flags = JvmFlagsDoc.documentedFlags();
    assertThat(flags).as("flags of the JVM settings block").contains("-XX:+UseSerialGC").isNotEmpty();
    Path config = JarProcess.write(dir, "node.toml", String.join("\n",
        "[listen]",
        "ipv6 = [\"[::1]:443\"]",
        "port_map = [\"443=0\"]",
        "[admin]",
        "listen = \"127.0.0.1:0\"",
        "[state]",
        "file = \"" + dir.resolve("state.json") + "\"",
        ""));

    try (JarProcess node = JarProcess.start(java, flags, JarProcess.builtJar(), Map.of(), null,
        "--config", config.toString())) {
      node.awaitLog("ingress ready", j -> true, JarProcess.START_DEADLINE);
      node.sigterm();
      assertThat(node.awaitExit(Duration.ofSeconds(30))).as(node.describe()).isZero();
      assertThat(node.stdout()).as(node.describe()).isNotEmpty()
          .allSatisfy(line -> assertThat(JarProcess.json(line)).as(line).isPresent());
      assertThat(node.stderr()).as(node.describe()).noneMatch(l -> l.contains("CompileCommand"));
    }
  }
}
