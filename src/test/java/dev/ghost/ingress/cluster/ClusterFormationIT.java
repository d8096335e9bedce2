package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster bootstrap with real {@code ingress.jar} processes: three nodes form one Hazelcast cluster (each sees 3
 * members on {@code /v1/status}), a SIGKILLed node drops out of the survivors' view within a deadline, a standalone
 * node never loads a Hazelcast class, and a member list without a local address is refused like a bad setting.
 */
class ClusterFormationIT {

  /** A killed process resets its sockets, so the survivors notice at once (measured: well under 1 s). */
  static final Duration KILL_NOTICED = Duration.ofSeconds(10);

  static TestFleet fleet;
  static long formationMs;

  @BeforeAll
  static void startFleet() throws Exception {
    long t0 = System.nanoTime();
    fleet = TestFleet.start(3);
    formationMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("[ClusterFormationIT] 3 JVMs formed a cluster in " + formationMs + " ms");
  }

  @AfterAll
  static void stopFleet() {
    if (fleet != null) {
      fleet.close();
    }
  }

  /**
   * Three nodes form one cluster; a SIGKILLed one leaves the survivors' view. One scenario on one fleet, its steps
   * in this order (each builds on the state the one before left), rather than test methods that would depend on
   * JUnit running them in order.
   */
  @Test
  void threeNodesFormAClusterAndAKilledOneLeavesIt() throws Exception {
    everyNodeSeesTheWholeCluster();
    sigkilledMemberLeavesTheSurvivorsView();
  }

  private void everyNodeSeesTheWholeCluster() throws Exception {
    Set<String> clusterIds = new HashSet<>();
    for (int i = 0; i < fleet.size(); i++) {
      JsonObject status = fleet.status(i);
      assertThat(status.getString("node_id")).isEqualTo("node-" + i);
      JsonObject cluster = status.getJsonObject("cluster");
      assertThat(cluster.getBoolean("enabled")).isTrue();
      assertThat(cluster.getString("name")).isEqualTo(fleet.clusterName());
      assertThat(cluster.getInteger("members")).isEqualTo(3);
      assertThat(cluster.getString("node_id")).isNotBlank();
      clusterIds.add(cluster.getString("node_id"));
      // the JVM stays quiet: no Hazelcast module-access or other warnings on stderr
      assertThat(fleet.node(i).process().stderr()).as(fleet.describe()).isEmpty();
      JsonObject joined = fleet.node(i).process().awaitLog("cluster joined", j -> true, Duration.ofSeconds(1));
      assertThat(joined.getString("bind_host")).isEqualTo("127.0.0.1");
      assertThat(joined.getInteger("port")).isEqualTo(fleet.node(i).clusterPort());
    }
    assertThat(clusterIds).hasSize(3);
  }

  private void sigkilledMemberLeavesTheSurvivorsView() throws Exception {
    long t0 = System.nanoTime();
    fleet.kill(2);
    fleet.awaitMembers(2, KILL_NOTICED);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("[ClusterFormationIT] SIGKILL noticed by both survivors in " + ms + " ms");
    assertThat(fleet.members(0)).isEqualTo(2);
    assertThat(fleet.members(1)).isEqualTo(2);
  }

  @Test
  void standaloneNodeNeverLoadsHazelcast(@TempDir Path dir) throws Exception {
    Path classLog = dir.resolve("classes.log");
    Path config = JarProcess.write(dir, "n.toml", "[listen]\nipv6 = [\"[::1]:0\"]\n[admin]\nlisten = \"127.0.0.1:0\"\n");
    try (JarProcess p = JarProcess.start(JarProcess.currentJava(),
        Stream.concat(TestFleet.TEST_JVM_FLAGS.stream(), Stream.of("-Xlog:class+load=info:file=" + classLog))
            .toList(),
        JarProcess.builtJar(), Map.of("GHOST_STATE_FILE", dir.resolve("s.json").toString(),
            "GHOST_CLUSTER_MEMBERS", ""), null, "--config", config.toString())) {
      int port = p.awaitLog("listening", j -> "admin".equals(j.getString("listener")), JarProcess.START_DEADLINE)
          .getInteger("port");
      p.awaitLog("ingress ready", j -> true, JarProcess.START_DEADLINE);
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/v1/status")).build(), HttpResponse.BodyHandlers.ofString());
      JsonObject cluster = new JsonObject(r.body()).getJsonObject("cluster");
      assertThat(cluster.getBoolean("enabled")).isFalse();
      assertThat(cluster.getValue("members")).isNull();
      HttpResponse<String> fleetView = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/v1/fleet")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(fleetView.statusCode()).isEqualTo(404);
      assertThat(new JsonObject(fleetView.body()).getString("error")).isEqualTo("not_clustered");
      assertThat(threadNames(p.process().pid())).noneMatch(t -> t.startsWith("hz."));
      assertThat(p.stdout()).noneMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("hazelcast"));
      assertThat(p.stderr()).isEmpty();
    }
    assertThat(Files.readAllLines(classLog)).noneMatch(l -> l.contains("hazelcast"));
  }

  @Test
  void memberListWithoutALocalAddressIsRefused(@TempDir Path dir) throws Exception {
    Path config = JarProcess.write(dir, "n.toml", "[listen]\nipv6 = [\"[::1]:0\"]\n[admin]\nlisten = \"127.0.0.1:0\"\n");
    try (JarProcess p = JarProcess.start(JarProcess.currentJava(), TestFleet.TEST_JVM_FLAGS,
        JarProcess.builtJar(), Map.of("GHOST_STATE_FILE", dir.resolve("s.json").toString(),
            "GHOST_CLUSTER_MEMBERS", "192.0.2.10:5701,192.0.2.11"), null, "--config", config.toString())) {
      assertThat(p.awaitExit(JarProcess.START_DEADLINE)).isEqualTo(2);
      assertThat(p.stderr()).hasSize(1);
      assertThat(p.stderr().get(0)).contains("GHOST_CLUSTER_HOST").contains("192.0.2.10:5701");
      assertThat(JarProcess.stackTraceLines(p.stdout())).isEmpty();
    }
  }

  @Test
  void clusteredNodeWithoutASecretIsRefused(@TempDir Path dir) throws Exception {
    Path config = JarProcess.write(dir, "n.toml", "[listen]\nipv6 = [\"[::1]:0\"]\n[admin]\nlisten = \"127.0.0.1:0\"\n");
    try (JarProcess p = JarProcess.start(JarProcess.currentJava(), TestFleet.TEST_JVM_FLAGS,
        JarProcess.builtJar(), Map.of("GHOST_STATE_FILE", dir.resolve("s.json").toString(),
            "GHOST_CLUSTER_MEMBERS", "127.0.0.1", "GHOST_CLUSTER_PORT", "0"), null, "--config", config.toString())) {
      assertThat(p.awaitExit(JarProcess.START_DEADLINE)).isEqualTo(2);
      assertThat(p.stderr()).hasSize(1);
      assertThat(p.stderr().get(0)).contains("GHOST_CLUSTER_SECRET_FILE").contains("GHOST_CLUSTER_INSECURE");
      assertThat(p.stdout()).noneMatch(l -> l.contains("cluster joined"));
      assertThat(JarProcess.stackTraceLines(p.stdout())).isEmpty();
    }
  }

  /** Thread names of a Linux process ({@code /proc/PID/task/TID/comm}, at most 15 characters each). */
  static List<String> threadNames(long pid) throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      return tasks.map(t -> {
        try {
          return Files.readString(t.resolve("comm")).strip();
        } catch (IOException e) {
          return ""; // the thread ended meanwhile
        }
      }).toList();
    }
  }
}
