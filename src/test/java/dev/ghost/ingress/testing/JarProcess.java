package dev.ghost.ingress.testing;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real {@code ingress.jar} (or a copy of it) as a child process, run by the test JVM's own {@code java} unless
 * told otherwise. Stdout and stderr are collected line by line on reader threads; waits use deadlines, never fixed
 * sleeps. {@link #close()} always kills the process (SIGTERM, then SIGKILL).
 */
public final class JarProcess implements AutoCloseable {

  /** Generous: a cold JVM on a busy CI machine. */
  public static final Duration START_DEADLINE = Duration.ofSeconds(60);

  private final Process process;
  private final List<String> out = new ArrayList<>();
  private final List<String> err = new ArrayList<>();
  private final Thread outReader;
  private final Thread errReader;

  private JarProcess(Process process) {
    this.process = process;
    this.outReader = reader(process.getInputStream(), out, "stdout");
    this.errReader = reader(process.getErrorStream(), err, "stderr");
  }

  /** The jar that {@code mvn package} built (system property {@code ingress.jar}, set by failsafe). */
  public static Path builtJar() {
    String p = System.getProperty("ingress.jar");
    if (p == null || p.isBlank()) {
      throw new IllegalStateException("system property ingress.jar is not set (run through failsafe: mvn verify)");
    }
    Path jar = Path.of(p);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("ingress.jar not found at " + jar + " (it is built in the package phase)");
    }
    return jar;
  }

  /** The {@code java} launcher running this test JVM. */
  public static String currentJava() {
    return ProcessHandle.current().info().command()
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Starts {@code java -jar jar args...} with the built jar and the current {@code java}. */
  public static JarProcess start(Map<String, String> env, String... args) throws IOException {
    return start(currentJava(), builtJar(), env, args);
  }

  /**
   * Starts {@code java -jar jar args...}. {@code GHOST_*} and JVM option variables of the test JVM's environment
   * are removed, so only {@code env} configures the child.
   */
  public static JarProcess start(String java, Path jar, Map<String, String> env, String... args)
      throws IOException {
    return start(java, jar, env, null, args);
  }

  /** {@link #start(String, Path, Map, String...)} in working directory {@code workDir} (null: inherit). */
  public static JarProcess start(String java, Path jar, Map<String, String> env, Path workDir, String... args)
      throws IOException {
    return start(java, List.of(), jar, env, workDir, args);
  }

  /**
   * {@code java jvmArgs... -jar jar args...} in {@code workDir} (null: inherit): JVM flags go on the command line,
   * never through {@code JAVA_TOOL_OPTIONS} (which adds a "Picked up" line to stderr).
   */
  public static JarProcess start(String java, List<String> jvmArgs, Path jar, Map<String, String> env, Path workDir,
      String... args) throws IOException {
    return start(List.of(), java, jvmArgs, jar, env, workDir, args);
  }

  /**
   * {@link #start(String, List, Path, Map, Path, String...)} run through {@code launcher} (a command that execs the
   * rest, such as {@code env --default-signal=HUP} or {@code nohup}; empty: none).
   */
  public static JarProcess start(List<String> launcher, String java, List<String> jvmArgs, Path jar,
      Map<String, String> env, Path workDir, String... args) throws IOException {
    List<String> command = new ArrayList<>(launcher);
    command.add(java);
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    // Hermetic: no GHOST_* of the test JVM, and no JVM option variables (they add a "Picked up ..." stderr line)
    pb.environment().keySet().removeIf(k -> k.startsWith("GHOST_") || k.equals("JAVA_TOOL_OPTIONS")
        || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
    pb.environment().putAll(env);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return new JarProcess(pb.start());
  }

  public Process process() {
    return process;
  }

  /** SIGKILL, then waits (up to 10 s) for the process to be gone. */
  public void sigkill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("process " + process.pid() + " survived SIGKILL for 10 s");
    }
  }

  /**
   * Sends SIGTERM and keeps reading the output. ({@link Process#destroy()} also sends SIGTERM, but closes the
   * pipes at once, so the shutdown log lines would be lost.)
   */
  public void sigterm() {
    process.toHandle().destroy();
  }

  /** Waits for the process to exit and for its output to be read completely; fails after {@code deadline}. */
  public int awaitExit(Duration deadline) throws InterruptedException {
    if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("process did not exit within " + deadline + "\n" + describe());
    }
    outReader.join(deadline.toMillis());
    errReader.join(deadline.toMillis());
    return process.exitValue();
  }

  /** Waits for a stdout line matching {@code match}; fails on exit or after {@code deadline}. */
  public String awaitStdout(Predicate<String> match, Duration deadline) throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    int seen = 0;
    synchronized (out) {
      while (true) {
        for (; seen < out.size(); seen++) {
          if (match.test(out.get(seen))) {
            return out.get(seen);
          }
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no matching stdout line within " + deadline + "\n" + describe());
        }
        if (!process.isAlive() && !outReader.isAlive()) {
          throw new AssertionError("process exited (" + process.exitValue() + ") before a matching stdout line\n"
              + describe());
        }
        out.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
      }
    }
  }

  /** Waits for a JSON log line on stdout whose {@code msg} is {@code msg} and that matches {@code match}. */
  public JsonObject awaitLog(String msg, Predicate<JsonObject> match, Duration deadline)
      throws InterruptedException {
    String line = awaitStdout(l -> json(l).filter(j -> msg.equals(j.getString("msg")) && match.test(j)).isPresent(),
        deadline);
    return json(line).orElseThrow();
  }

  /** Parses one line as a JSON object, if it is one. */
  public static Optional<JsonObject> json(String line) {
    String l = line.strip();
    if (!l.startsWith("{")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new JsonObject(l));
    } catch (DecodeException e) {
      return Optional.empty();
    }
  }

  public List<String> stdout() {
    synchronized (out) {
      return List.copyOf(out);
    }
  }

  public List<String> stderr() {
    synchronized (err) {
      return List.copyOf(err);
    }
  }

  /** Everything captured so far, for failure messages. */
  public String describe() {
    return "--- stdout:\n" + String.join("\n", stdout()) + "\n--- stderr:\n" + String.join("\n", stderr());
  }

  /** Sends SIGTERM if still running, waits up to 10 s, then SIGKILL. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Thread reader(InputStream in, List<String> sink, String name) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (sink) {
            sink.add(line);
            sink.notifyAll();
          }
        }
      } catch (IOException e) {
        // the process went away; what was read is kept
      } finally {
        synchronized (sink) {
          sink.notifyAll();
        }
      }
    }, "jar-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Lines of {@code lines} that look like a Java stack trace or exception dump. */
  public static List<String> stackTraceLines(List<String> lines) {
    return lines.stream()
        .filter(l -> l.startsWith("\tat ") || l.contains("Exception") || l.startsWith("Caused by:"))
        .toList();
  }

  /** Writes {@code text} to {@code dir/name} and returns the path. */
  public static Path write(Path dir, String name, String text) {
    try {
      return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
