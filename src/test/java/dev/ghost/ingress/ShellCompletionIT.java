package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated completion script in a real bash: what it offers as a person types. */
class ShellCompletionIT {

  @TempDir
  Path dir;

  /** COMPREPLY for the command line {@code words}, the cursor on the last word. */
  private String complete(String... words) throws Exception {
    Path script = dir.resolve("completion.bash");
    Files.writeString(script, IngressMain.completionScript());
    String line = "source " + script + "; COMP_WORDS=(" + quoted(words) + "); COMP_CWORD=" + (words.length - 1)
        + "; _ghost_ingress; echo \"${COMPREPLY[*]}\"";
    Process p = new ProcessBuilder("bash", "--norc", "-c", line).directory(dir.toFile()).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  private static String quoted(String... words) {
    StringBuilder out = new StringBuilder();
    for (String w : words) {
      out.append('\'').append(w).append("' ");
    }
    return out.toString();
  }

  @Test
  void subcommandsAdminCommandsOptionsAndFiles() throws Exception {
    assertThat(complete("ghost-ingress", "ch")).isEqualTo("check");
    assertThat(complete("ghost-ingress", "admin", "f")).isEqualTo("fleet");
    assertThat(complete("ghost-ingress", "admin", "--url", "http://x", "dr")).isEqualTo("drain drain-node");
    assertThat(complete("ghost-ingress", "admin", "--j")).isEqualTo("--json");
    assertThat(complete("ghost-ingress", "dev-control-plane", "--chaos-s")).isEqualTo("--chaos-silent-stream");
    Files.writeString(dir.resolve("node.toml"), "");
    assertThat(complete("ghost-ingress", "check", "--config", "no")).isEqualTo("node.toml");
    assertThat(complete("ghost-ingress", "--v")).isEqualTo("--version");
  }
}
