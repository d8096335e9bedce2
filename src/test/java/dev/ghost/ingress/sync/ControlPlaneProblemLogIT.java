package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.observe.RouteProblemLog;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestNode;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 12, item 5: a conflict and a rejected route that come from the control plane are logged, once each, though
 * every later control-plane change rebuilds a table that still has them (static ones always were).
 */
class ControlPlaneProblemLogIT {

  @TempDir
  Path dir;
  Vertx vertx;
  DevControlPlane cp;
  ListAppender<ILoggingEvent> lines;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    cp = SyncFixture.startPlane(vertx, dir, null);
    lines = new ListAppender<>();
    lines.start();
    ((Logger) LoggerFactory.getLogger(RouteProblemLog.class)).addAppender(lines);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(RouteProblemLog.class)).detachAppender(lines);
    vertx.close().await();
  }

  private List<String> routeIds(String message) {
    return lines.list.stream().filter(e -> e.getFormattedMessage().equals(message))
        .map(e -> e.getKeyValuePairs().stream().filter(kv -> kv.key.equals("route_id")).findFirst()
            .map(kv -> String.valueOf(kv.value)).orElse(null))
        .toList();
  }

  private static boolean inForce(TestNode node, String routeId) {
    return node.node().tables().current().routes().stream().anyMatch(r -> r.id().equals(routeId));
  }

  @Test
  void controlPlaneConflictAndRejectionAreLoggedOnceAcrossRebuilds() throws Exception {
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true))) {
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_old", "shop.example.com", 9)));
      Await.until("rt_old in force", () -> inForce(node, "rt_old"));
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_young", "shop.example.com", 9))
          .withRoute(SyncFixture.route("rt_bad", "bad..example.com", 9)));
      Await.until("conflict and rejection in the table", () -> {
        RouteTable t = node.node().tables().current();
        return !t.conflicts().isEmpty() && !t.rejections().isEmpty();
      }, () -> String.valueOf(node.node().tables().current().conflicts()));

      // two more changes: two more tables, each still with the same conflict and rejection
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_other", "other.example.com", 9)));
      Await.until("rt_other in force", () -> inForce(node, "rt_other"));
      cp.edit(s -> s.withRoute(SyncFixture.route("rt_more", "more.example.com", 9)));
      Await.until("rt_more in force", () -> inForce(node, "rt_more"));

      assertThat(routeIds("route conflict")).containsExactly("rt_young");
      assertThat(routeIds("route rejected")).containsExactly("rt_bad");
    }
  }
}
