package dev.ghost.ingress.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds external tools (nginx, curl, openssl, haproxy) for tests. A missing tool skips the test on a developer
 * machine but fails it when the environment variable {@code CI} is set, so CI can never go green by skipping.
 */
public final class Tools {

  /** Where distributions put daemons that are often not on a user's PATH. */
  private static final List<String> SBIN_DIRS = List.of("/usr/sbin", "/usr/local/sbin", "/sbin");

  private Tools() {
  }

  /** The executable {@code name}, or the test is aborted (skipped) or, under CI, failed. */
  public static Path require(String name) {
    return find(name).orElseGet(() -> missing(name + " is not installed (looked in PATH and " + SBIN_DIRS + ")"));
  }

  /** Applies the CI rule to any missing prerequisite; never returns normally. */
  public static <T> T missing(String what) {
    if (isCi()) {
      throw new IllegalStateException(what + "; CI is set, so this fails instead of skipping (run .ci/run)");
    }
    Assumptions.abort(what + "; skipped (set CI to make this a failure)");
    throw new AssertionError("unreachable");
  }

  /** The executable {@code name} on PATH or in an sbin directory. */
  public static Optional<Path> find(String name) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          dirs.add(dir);
        }
      }
    }
    dirs.addAll(SBIN_DIRS);
    for (String dir : dirs) {
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  public static boolean isCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !"false".equalsIgnoreCase(ci) && !"0".equals(ci);
  }
}
