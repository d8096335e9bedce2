package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way: each package of {@code main} may use only packages of lower layers (imports and fully
 * qualified names alike). The pure parser and the settings sit at the bottom, then the immutable route table, the
 * mutable backend eligibility beside it, the meters; the admin API and the node's assembly at the top.
 */
class LayeringTest {

  private static final Path MAIN = Path.of("src/main/java/dev/ghost/ingress");
  /** Layer of each package; {@code ""} is the root package (the node's assembly and CLI). */
  private static final Map<String, Integer> LAYER = Map.ofEntries(
      Map.entry("sni", 0), Map.entry("config", 0),
      Map.entry("route", 1),
      Map.entry("eligibility", 2),
      Map.entry("observe", 3),
      Map.entry("proxy", 4), Map.entry("health", 4), Map.entry("sync", 4), Map.entry("devcp", 4),
      Map.entry("cluster", 5), Map.entry("workload", 5),
      Map.entry("admin", 6),
      Map.entry("", 7));
  private static final Pattern USE = Pattern.compile("dev\\.ghost\\.ingress\\.([a-z]+)\\.[A-Z]");
  private static final Pattern ROOT_USE = Pattern.compile("dev\\.ghost\\.ingress\\.[A-Z]");

  @Test
  void everyPackageUsesOnlyLowerLayers() throws IOException {
    List<String> backArrows = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = MAIN.relativize(f.getParent()).toString();
        assertThat(LAYER).as("layer of package '" + pkg + "' declared here").containsKey(pkg);
        String text = Files.readString(f);
        Matcher m = USE.matcher(text);
        while (m.find()) {
          String used = m.group(1);
          if (!used.equals(pkg) && LAYER.getOrDefault(used, 99) >= LAYER.get(pkg)) {
            backArrows.add(MAIN.relativize(f) + " uses " + used);
          }
        }
        if (!pkg.isEmpty() && ROOT_USE.matcher(text).find()) {
          backArrows.add(MAIN.relativize(f) + " uses the root package");
        }
      }
    }
    assertThat(backArrows).as("uses of a package of the same or a higher layer").isEmpty();
  }
}
