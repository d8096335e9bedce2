package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar on JDK 25 (the newest LTS): no JVM warnings on stderr (sun.misc.Unsafe memory access,
 * restricted native access, illegal reflective access), neither at start-up nor while proxying, and a clean SIGTERM
 * shutdown. The manifest's {@code Add-Opens}/{@code Enable-Native-Access} are what keep it quiet.
 *
 * <p>The JDK is {@code -Dingress.jdk25=PATH/bin/java}, default {@value #DEFAULT_JAVA}. When it is missing the test
 * is skipped, unless the environment variable {@code CI} is set: then a missing JDK 25 fails the build.
 */
class Jdk25IT {

  static final String DEFAULT_JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
  private static final Duration DEADLINE = JarProcess.START_DEADLINE;

  static String java;

  @TempDir
  Path dir;

  @BeforeAll
  static void findJdk() {
    java = jdk25();
  }

  /** The JDK 25 {@code java} to test with; skips the calling test when it is missing (fails when {@code CI} is set). */
  static String jdk25() {
    String path = System.getProperty("ingress.jdk25", DEFAULT_JAVA);
    boolean present = Files.isExecutable(Path.of(path));
    if (!present && System.getenv("CI") != null) {
      throw new AssertionError("JDK 25 not found at " + path + " (CI is set: set -Dingress.jdk25=PATH/bin/java)");
    }
    Assumptions.assumeTrue(present, "JDK 25 not found at " + path);
    return path;
  }

  private static List<String> warnings(List<String> stderr) {
    return stderr.stream().filter(l -> l.contains("WARNING")).toList();
  }

  @Test
  void versionRunsWithoutWarnings() throws Exception {
    try (JarProcess p = JarProcess.start(java, JarProcess.builtJar(), Map.of(), "--version")) {
      assertThat(p.awaitExit(DEADLINE)).as(p.describe()).isZero();
      assertThat(p.stderr()).as(p.describe()).isEmpty();
    }
  }

  @Test
  void nodeAndSampleWorkloadRunWithoutWarningsAndStopOnSigterm() throws Exception {
    Path jar = JarProcess.builtJar();
    try (JarProcess workload = JarProcess.start(java, jar, Map.of(), "sample-workload", "--listen", "[::1]:0")) {
      int backendPort = workload.awaitLog("sample workload listening", j -> true, DEADLINE).getInteger("port");
      Path config = JarProcess.write(dir, "jdk25.toml", String.join("\n",
          "[listen]",
          "ipv6 = [\"[::1]:443\"]",
          "port_map = [\"443=0\"]",
          // a cold client JVM can take longer than the 200 ms default to write its first ClientHello
          "[proxy]",
          "sniff_timeout = \"5s\"",
          "[admin]",
          "listen = \"127.0.0.1:0\"",
          "[state]",
          "file = \"" + dir.resolve("state.json") + "\"",
          "[[route]]",
          "hostname = \"myapp.example.com\"",
          "port = 443",
          "protocol = \"tls_passthrough\"",
          "proxy_protocol = \"v2\"",
          "backends = [\"[::1]:" + backendPort + "\"]",
          ""));
      try (JarProcess node = JarProcess.start(java, jar, Map.of(), "--config", config.toString())) {
        node.awaitLog("ingress ready", j -> true, DEADLINE);
        int adminPort = node.awaitLog("listening", j -> "admin".equals(j.getString("listener")), DEADLINE)
            .getInteger("port");
        int port = CopiedJarIT.boundPort(adminPort, "::1", 443);
        try (SSLSocket tls = CopiedJarIT.connect("::1", port, "myapp.example.com")) {
          String response = CopiedJarIT.get(tls, "myapp.example.com");
          assertThat(CopiedJarIT.line(response, "client: ")).endsWith(":" + tls.getLocalPort());
        }
        CopiedJarIT.adminGet(adminPort, "/v1/routes");

        node.sigterm();
        assertThat(node.awaitExit(Duration.ofSeconds(20))).as(node.describe()).isZero();
        assertThat(warnings(node.stderr())).as(node.describe()).isEmpty();
        assertThat(node.stderr()).as(node.describe()).isEmpty();
      }
      assertThat(warnings(workload.stderr())).as(workload.describe()).isEmpty();
    }
  }
  /**
   * Hazelcast reads array offsets through {@code sun.misc.Unsafe}, which JDK 24+ warns about and no manifest entry
   * can allow: a clustered node on JDK 25 needs the JVM flag docs/clustering.md documents (accepted by JDK 17 too).
   */
  @Test
  void clusteredNodeWithTheDocumentedFlagRunsWithoutWarnings() throws Exception {
    int clusterPort = dev.ghost.ingress.testing.TestFleet.freePort(new HashSet<>());
    Path config = JarProcess.write(dir, "clustered.toml", String.join("\n",
        "[listen]", "ipv6 = [\"[::1]:0\"]", "[admin]", "listen = \"127.0.0.1:0\"",
        "[state]", "file = \"" + dir.resolve("state.json") + "\"", ""));
    Map<String, String> env = Map.of("GHOST_CLUSTER_MEMBERS", "127.0.0.1:" + clusterPort,
        "GHOST_CLUSTER_PORT", String.valueOf(clusterPort),
        "GHOST_CLUSTER_NAME", "jdk25-" + UUID.randomUUID(),
        "GHOST_CLUSTER_SECRET_FILE", dev.ghost.ingress.testing.TestFleet.writeSecret(dir, "cluster.secret").toString());
    List<String> flags = List.of("-XX:+IgnoreUnrecognizedVMOptions", "--sun-misc-unsafe-memory-access=allow",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dhazelcast.wait.seconds.before.join=0");
    try (JarProcess node = JarProcess.start(java, flags, JarProcess.builtJar(), env, null,
        "--config", config.toString())) {
      node.awaitLog("cluster joined", j -> true, DEADLINE);
      node.awaitLog("ingress ready", j -> true, DEADLINE);
      node.sigterm();
      assertThat(node.awaitExit(Duration.ofSeconds(20))).as(node.describe()).isZero();
      assertThat(node.stderr()).as(node.describe()).isEmpty();
    }
  }
}
