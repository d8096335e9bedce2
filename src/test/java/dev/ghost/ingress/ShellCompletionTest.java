package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The completion offers what the usage texts name; every option a usage names must be one its parser knows, so the
 * help text, the completion and the parsers cannot drift apart.
 */
class ShellCompletionTest {

  @Test
  void optionsAreTakenFromTheUsageOncePlusHelp() {
    assertThat(ShellCompletion.options("  x --listen A [--listen B] [--no-proxy-protocol] (not--this)"))
        .containsExactly("--listen", "--no-proxy-protocol", "--help");
  }

  @Test
  void everyOptionAUsageNamesIsKnownToItsParser() {
    for (Map.Entry<String, String> sub : IngressMain.usages().entrySet()) {
      for (String option : ShellCompletion.options(sub.getValue())) {
        if (option.equals("--help")) {
          continue;
        }
        String err = stderrOf(sub.getKey(), option);
        assertThat(err).as(sub.getKey() + " " + option).doesNotContainIgnoringCase("unknown");
      }
    }
  }

  @Test
  void theScriptOffersSubcommandsAdminCommandsAndFilesAfterConfig() {
    String script = IngressMain.completionScript();
    assertThat(script).contains("admin) words=\"--url --token --json --help status routes fleet explain")
        .contains("*) words=\"--config --help --version sample-workload check dev-control-plane admin completion\"")
        .contains("--config|--state) COMPREPLY=( $(compgen -f -- \"$cur\") )")
        .endsWith("complete -F _ghost_ingress ghost-ingress ingress\n");
  }

  /** Runs {@code sub option} in this JVM (each alone is refused before anything starts) and returns its stderr. */
  private static String stderrOf(String sub, String option) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = IngressMain.run(new String[] {sub, option});
      assertThat(code).as(sub + " " + option + " alone is refused, nothing started").isEqualTo(2);
    } finally {
      System.setErr(saved);
    }
    return err.toString(StandardCharsets.UTF_8);
  }
}
