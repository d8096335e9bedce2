package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.TestFleet;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clustered jar whose member list names an address that accepts connections but never answers as a member (here
 * a socket nobody reads: the kernel completes the handshakes) used to hang in Hazelcast's join: never ready, never
 * gone, a blocked-thread warning a second. With the join deadline (5 s here, {@link JoinDeadline#PROPERTY}) it
 * logs one ERROR saying what did not finish and exits 1.
 */
class ClusterJoinDeadlineIT {

  @TempDir
  Path dir;

  @Test
  void aJoinHeldByASilentMemberEndsTheStartWithExitOne() throws Exception {
    try (ServerSocket silent = new ServerSocket()) {
      silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      int own = TestFleet.freePort(new HashSet<>(List.of(silent.getLocalPort())));
      Path config = JarProcess.write(dir, "node.toml", String.join("\n",
          "[listen]", "ipv6 = [\"[::1]:0\"]", "[admin]", "listen = \"127.0.0.1:0\"", ""));
      List<String> jvm = new ArrayList<>(TestFleet.TEST_JVM_FLAGS);
      // joins without Hazelcast's default waits: only the silent member can hold it for 5 s
      TestFleet.FAST_HAZELCAST.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
      jvm.add("-D" + JoinDeadline.PROPERTY + "=5");
      Map<String, String> env = Map.of(
          "GHOST_CLUSTER_MEMBERS", "127.0.0.1:" + own + ",127.0.0.1:" + silent.getLocalPort(),
          "GHOST_CLUSTER_PORT", String.valueOf(own),
          "GHOST_CLUSTER_NAME", "join-deadline",
          "GHOST_CLUSTER_SECRET_FILE", TestFleet.writeSecret(dir, "cluster.secret").toString(),
          "GHOST_STATE_FILE", dir.resolve("state.json").toString());
      try (JarProcess p = JarProcess.start(JarProcess.currentJava(), jvm, JarProcess.builtJar(), env, null,
          "--config", config.toString())) {
        assertThat(p.awaitExit(Duration.ofSeconds(90))).as(p.describe()).isEqualTo(1);
        assertThat(p.stderr()).as(p.describe()).hasSize(1);
        assertThat(p.stderr().get(0)).contains("start-up failed").contains("joining cluster 'join-deadline'")
            .contains("127.0.0.1:" + silent.getLocalPort()).contains("did not finish within 5 s");
        assertThat(JarProcess.stackTraceLines(p.stderr())).isEmpty();
        assertThat(p.stdout()).as("one ERROR line: the reason").filteredOn(l -> l.contains("\"level\":\"ERROR\""))
            .hasSize(1).allMatch(l -> l.contains("did not finish within 5 s"));
        assertThat(p.stdout()).as("never ready").noneMatch(l -> l.contains("\"msg\":\"ingress ready\""));
      }
    }
  }
}
