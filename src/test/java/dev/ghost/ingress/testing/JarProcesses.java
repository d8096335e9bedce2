package dev.ghost.ingress.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The jar processes one test started, each killed after the test whatever its outcome: register with
 * {@code @RegisterExtension final JarProcesses jars = new JarProcesses();} and start through {@link #start}.
 */
public final class JarProcesses implements AfterEachCallback {

  private final List<JarProcess> started = new ArrayList<>();

  /** Starts {@code java -jar target/ingress.jar ARGS} with {@code env} added to the environment. */
  public JarProcess start(Map<String, String> env, String... args) throws IOException {
    JarProcess p = JarProcess.start(env, args);
    started.add(p);
    return p;
  }

  /** Like {@link #start(Map, String...)}, run through {@code launcher} ({@link JarProcess#start(List, String, List,
   * java.nio.file.Path, Map, java.nio.file.Path, String...)}). */
  public JarProcess startVia(List<String> launcher, Map<String, String> env, String... args) throws IOException {
    JarProcess p = JarProcess.start(launcher, JarProcess.currentJava(), List.of(), JarProcess.builtJar(), env, null,
        args);
    started.add(p);
    return p;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    started.forEach(JarProcess::close);
    started.clear();
  }
}
