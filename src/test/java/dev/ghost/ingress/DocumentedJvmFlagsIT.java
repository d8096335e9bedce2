package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

  private static final Path DEPLOYMENT = Path.of("docs/deployment.md");

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
    List<String> flags = documentedFlags();
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

  /**
   * The arguments between {@code java} and {@code -jar} of the first {@code sh} block under "## JVM settings",
   * without {@code -XX:SharedArchiveFile} (the archive is made at deploy time; without it the JVM only starts
   * slower).
   */
  static List<String> documentedFlags() throws IOException {
    String doc = Files.readString(DEPLOYMENT);
    String section = doc.substring(doc.indexOf("## JVM settings"));
    int start = section.indexOf("```sh\n") + "```sh\n".length();
    String command = section.substring(start, section.indexOf("```", start)).replace("\\\n", " ");
    List<String> words = shellWords(command);
    List<String> flags = new ArrayList<>();
    for (String word : words.subList(words.indexOf("java") + 1, words.indexOf("-jar"))) {
      if (!word.startsWith("-XX:SharedArchiveFile=")) {
        flags.add(word);
      }
    }
    return flags;
  }

  /** Splits on blanks; single quotes keep blanks and glob characters, as the shell does. */
  static List<String> shellWords(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean inWord = false;
    for (char c : command.toCharArray()) {
      if (c == '\'') {
        quoted = !quoted;
        inWord = true;
      } else if (Character.isWhitespace(c) && !quoted) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
