package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane goes away: the node keeps serving and counts the errors; a node restarted while it is down
 * serves its last-known-good file before the control plane answers; a corrupt, truncated or foreign file is
 * ignored (replay from 0 once the control plane is back); an unwritable state path is a warning and a metric.
 */
class ControlPlaneOutageIT {

  @TempDir
  Path dir;
  Vertx vertx;
  NetServer backendA;
  NetServer backendB;
  DevControlPlane cp;
  DevState.Route route;

  @BeforeEach
  void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    backendA = SyncFixture.tlsBackend(vertx, TestTls.TENANT_A);
    backendB = SyncFixture.tlsBackend(vertx, TestTls.TENANT_B);
    cp = SyncFixture.startPlane(vertx, dir, null);
    route = SyncFixture.route("rt_a", TestTls.MYAPP, backendA.actualPort());
    cp.edit(s -> s.withRoute(route));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static boolean serving(TestNode node) {
    return node.node().state().phase().name().equals("SERVING");
  }

  private static double loads(TestNode node, String outcome) {
    return Probe.counter(node, MetricNames.STATE_FILE_LOADS, "outcome", outcome);
  }

  @Test
  void killedControlPlaneStillServing() throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      double before = SyncFixture.syncErrorsTotal(node);
      cp.close().await();
      Await.until("sync errors counted", () -> SyncFixture.syncErrorsTotal(node) >= before + 2,
          () -> SyncFixture.errorsByKind(node));
      assertThat(SyncFixture.syncErrors(node, "unreachable")).isPositive();
      JsonObject sync = new JsonObject(Probe.get(node, "/v1/status")).getJsonObject("sync");
      assertThat(sync.getString("last_error")).isNotNull();
      assertThat(sync.getString("state")).isNotEqualTo("streaming");
      assertThat(node.node().registry().scrape()).contains("ghost_sync_errors_total{kind=\"unreachable\"}");
      for (int i = 0; i < 5; i++) {
        assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      }
      assertThat(serving(node)).isTrue();
    }
  }

  @Test
  void restartedWhileControlPlaneDownServesLastKnownGood() throws Exception {
    Path stateFile = dir.resolve("node-state.json");
    TestNode.Spec spec = SyncFixture.spec(SyncFixture.url(cp), true).set("state.file", stateFile.toString());
    try (TestNode node = TestNode.start(spec)) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      Await.until(() -> Files.exists(stateFile) && Files.readString(stateFile).contains("rt_a")
          && node.node().syncStatus().cursor() == cp.lastEventId());
    }
    cp.pause(DevControlPlane.PauseMode.REFUSE).await();
    try (TestNode node = TestNode.start(spec)) {
      Await.until("ready from the state file", () -> serving(node), () -> node.node().state().phase().name());
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_A);
      Await.until("state file load counted", () -> loads(node, "ok") == 1, () -> "");
      JsonObject status = new JsonObject(Probe.get(node, "/v1/status"));
      assertThat(status.getJsonObject("state_file").getString("loaded")).isEqualTo("ok");
      assertThat(status.getJsonObject("state_file").getInteger("version")).isEqualTo(1);
      Await.until("errors while down", () -> SyncFixture.syncErrors(node, "unreachable") > 0,
          () -> SyncFixture.errorsByKind(node));

      // control plane back → sync resumes from the file's cursor and follows changes
      cp.resume().await();
      cp.edit(s -> s.withRoute(SyncFixture.withBackendPort(route, backendB.actualPort())));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.MYAPP)));
      Await.until(() -> node.node().syncStatus().cursor() == cp.lastEventId());
    }
  }

  /**
   * A node stopped uncleanly after a change starts from the base and the journal its writer left: the files are
   * copied while it runs, once the change is in the journal (records are fsynced one by one, so the copy is what a
   * SIGKILL would leave), and a second node started on the copy with the control plane down serves the change.
   */
  @Test
  void restartedAfterAnUncleanStopServesTheChangesInTheJournal() throws Exception {
    Path stateFile = dir.resolve("node-state.json");
    Path journal = StateJournal.of(stateFile);
    TestNode.Spec spec = SyncFixture.spec(SyncFixture.url(cp), true).set("state.file", stateFile.toString());
    Path crashed = dir.resolve("crashed-state.json");
    try (TestNode node = TestNode.start(spec)) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      cp.edit(s -> s.withRoute(SyncFixture.withBackendPort(route, backendB.actualPort())));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.MYAPP)));
      Await.until("the change in the journal", () -> lastRecordCursor(journal) == cp.lastEventId(),
          () -> String.valueOf(lastRecordCursor(journal)));
      Files.copy(stateFile, crashed);
      Files.copy(journal, StateJournal.of(crashed));
      assertThat(new JsonObject(Files.readString(crashed)).getJsonArray("routes").getJsonObject(0)
          .getInteger("backend_port")).as("the base still routes to A").isEqualTo(backendA.actualPort());
    }
    cp.pause(DevControlPlane.PauseMode.REFUSE).await();
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true)
        .set("state.file", crashed.toString()))) {
      Await.until("ready from the state file", () -> serving(node), () -> node.node().state().phase().name());
      assertThat(cn(node, TestTls.MYAPP)).isEqualTo(TestTls.TENANT_B);
      Await.until("state file load counted", () -> loads(node, "ok") == 1, () -> "");
      assertThat(Probe.counter(node, MetricNames.STATE_FILE_JOURNAL_REPLAYS, "outcome", "replayed")).isEqualTo(1);
      assertThat(Probe.counter(node, MetricNames.STATE_FILE_JOURNAL_RECORDS)).isPositive();
      assertThat(node.node().syncStatus().cursor()).isEqualTo(cp.lastEventId());
    }
  }

  /** The cursor of the journal's last complete record, or -1. */
  private static long lastRecordCursor(Path journal) {
    try {
      java.util.List<String> lines = Files.readAllLines(journal);
      return lines.size() < 2 ? -1 : new JsonObject(lines.get(lines.size() - 1)).getLong("cursor");
    } catch (java.io.IOException e) {
      return -1; // not written yet
    }
  }

  @Test
  void garbageStateFileIgnored() throws Exception {
    corruptFileIgnored("\u0000\u0001 not json at all", "corrupt");
  }

  @Test
  void truncatedStateFileIgnored() throws Exception {
    corruptFileIgnored("{\"format\":\"ghost-ingress-state/1\",\"cursor\":999,\"routes\":[{\"route_id\":\"rt_", "corrupt");
  }

  @Test
  void foreignVersionStateFileIgnored() throws Exception {
    corruptFileIgnored("{\"format\":\"ghost-ingress-state/99\",\"cursor\":999,\"routes\":[]}", "foreign_version");
  }

  private void corruptFileIgnored(String content, String outcome) throws Exception {
    Path stateFile = dir.resolve("bad-state.json");
    Files.writeString(stateFile, content);
    cp.pause(DevControlPlane.PauseMode.REFUSE).await();
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true)
        .set("state.file", stateFile.toString()))) {
      Await.until("state file load counted", () -> loads(node, outcome) == 1, () -> "");
      assertThat(new JsonObject(Probe.get(node, "/v1/status")).getJsonObject("state_file").getString("loaded"))
          .isEqualTo(outcome);
      assertThat(serving(node)).as("no table yet: not ready while the control plane is down").isFalse();
      cp.resume().await();
      // replay from 0: the cursor in the bad file (999) is not used
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      // the table routes as soon as it is swapped in; the node calls itself serving right after
      Await.until("serving", () -> serving(node));
      Await.until("cursor from a replay", () -> node.node().syncStatus().cursor() == cp.lastEventId(),
          () -> node.node().syncStatus().cursor() + " vs " + cp.lastEventId());
      // the bad file is replaced with a good one
      Await.until(() -> Files.readString(stateFile).contains("rt_a"));
    }
  }

  @Test
  void unwritableStatePathIsAWarning() throws Exception {
    unwritable(dir.resolve("a-directory"));
  }

  @Test
  void unwritableProcPathIsAWarning() throws Exception {
    unwritable(Path.of("/proc/ghost-no-such-dir/state.json"));
  }

  private void unwritable(Path path) throws Exception {
    if (path.startsWith(dir)) {
      Files.createDirectories(path);
    }
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true)
        .set("state.file", path.toString()))) {
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      Await.until("write failure counted", () -> Probe.counter(node, MetricNames.STATE_FILE_WRITE_FAILURES) > 0,
          () -> "");
      JsonObject stateFile = new JsonObject(Probe.get(node, "/v1/status")).getJsonObject("state_file");
      assertThat(stateFile.getString("write_error")).isNotNull();
      assertThat(node.node().registry().scrape()).contains("ghost_state_file_write_failures_total");
      Await.until("serving", () -> serving(node));
      cp.edit(s -> s.withRoute(SyncFixture.withBackendPort(route, backendB.actualPort())));
      Await.until(() -> TestTls.TENANT_B.equals(cn(node, TestTls.MYAPP)));
    }
  }
}
