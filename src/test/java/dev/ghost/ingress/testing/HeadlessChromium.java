package dev.ghost.ingress.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's Chromium in headless mode, one process per page load: {@link #load} dumps a page's DOM after its scripts
 * ran for a virtual time budget, {@link #screenshot} saves a PNG. Each run gets a fresh profile directory and a
 * deadline; a run past it is killed with its child processes. Missing Chromium follows {@link Tools}: skipped on a
 * developer machine, a failure under CI.
 */
public final class HeadlessChromium {

  /** How long the page's timers run (virtual time: fetches still take real time) before the DOM is taken. */
  public static final Duration VIRTUAL_TIME = Duration.ofSeconds(5);

  /** Real-time deadline of one run on a loaded 2-core machine (a cold Chromium start takes seconds). */
  private static final Duration DEADLINE = Duration.ofSeconds(90);

  private final Path executable;

  private HeadlessChromium(Path executable) {
    this.executable = executable;
  }

  /** Chromium ({@code chromium}, or {@code chromium-browser} of some distributions), or the test is skipped. */
  public static HeadlessChromium require() {
    Path found = Tools.find("chromium").or(() -> Tools.find("chromium-browser")).orElseGet(() -> Tools.missing(
        "chromium is not installed (apt-get install chromium): the status page needs a real browser"));
    return new HeadlessChromium(found);
  }

  /** What one run printed: the DOM (stdout) and Chromium's log with the page's console (stderr). */
  public record Run(String dom, String log) {
  }

  /** Loads {@code url}, lets its scripts run for {@link #VIRTUAL_TIME}, and returns the serialised DOM. */
  public Run load(String url) throws Exception {
    return run(List.of("--dump-dom", url));
  }

  /** Loads {@code url} like {@link #load} and saves a 1280×900 screenshot to {@code png}. */
  public Run screenshot(String url, Path png) throws Exception {
    Files.createDirectories(png.toAbsolutePath().getParent());
    return run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=1280,900", url));
  }

  private Run run(List<String> what) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    Path out = Files.createTempFile("chromium", ".out");
    Path err = Files.createTempFile("chromium", ".err");
    List<String> command = new ArrayList<>(List.of(executable.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
        "--disable-extensions", "--disable-background-networking", "--disable-component-update",
        "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile,
        "--virtual-time-budget=" + VIRTUAL_TIME.toMillis()));
    command.addAll(what);
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("chromium did not finish within " + DEADLINE + ": " + command + "\n"
            + Files.readString(err, StandardCharsets.UTF_8));
      }
      Run run = new Run(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      if (p.exitValue() != 0) {
        throw new AssertionError("chromium exited " + p.exitValue() + ": " + command + "\n" + run.log());
      }
      return run;
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
      delete(profile);
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
