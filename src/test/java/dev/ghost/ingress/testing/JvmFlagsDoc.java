package dev.ghost.ingress.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags of docs/deployment.md ("JVM settings"), the one place they are written: the deploy kit's launch lines
 * and the tests that start nodes with them read them from there.
 */
public final class JvmFlagsDoc {

  private static final Path DEPLOYMENT = Path.of("docs/deployment.md");

  private JvmFlagsDoc() {}

  /**
   * The arguments between {@code java} and {@code -jar} of the first {@code sh} block under "## JVM settings",
   * without {@code -XX:SharedArchiveFile} (the archive is made at deploy time; without it the JVM only starts
   * slower).
   */
  public static List<String> documentedFlags() throws IOException {
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
  public static List<String> shellWords(String command) {
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
