package dev.ghost.ingress.sync;

import static dev.ghost.ingress.sync.SyncFixture.cn;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Instance addresses from the dev control plane, over real HTTP and real connections: an
 * IPv4-mapped {@code overlay_ipv6} is a backend, as the same literal is in a static route; a ready instance whose
 * address is unusable is logged once and counted once, although every backend refresh sees it again.
 */
class InstanceAddressIT {

  @TempDir
  Path dir;
  Vertx vertx;
  NetServer ipv4Backend;
  DevControlPlane cp;
  ListAppender<ILoggingEvent> logs;

  @BeforeEach
  void start() throws Exception {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    // A TLS backend on 127.0.0.1 only: the node reaches it through the IPv4-mapped overlay address or not at all
    ipv4Backend = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
        .setKeyCertOptions(TestTls.keyCert(TestTls.TENANT_A))).connectHandler(s -> s.handler(s::write)).listen()
        .await();
    cp = SyncFixture.startPlane(vertx, dir, null);
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(DroppedInstances.class)).addAppender(logs);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(DroppedInstances.class)).detachAppender(logs);
    vertx.close().await();
  }

  private static DevState.Instance instance(String id, String overlay) {
    return new DevState.Instance(id, SyncFixture.APP, SyncFixture.ENV, "web", overlay, "ready", null);
  }

  @Test
  void ipv4MappedInstanceIsRoutedAndABadOneIsLoggedAndCountedOnce() throws Exception {
    cp.edit(s -> s.withInstance(instance("inst_1", "::ffff:127.0.0.1"))
        .withInstance(instance("inst_bad", "fd5a::zz"))
        .withRoute(SyncFixture.route("rt_a", TestTls.MYAPP, ipv4Backend.actualPort())));
    try (TestNode node = TestNode.start(SyncFixture.spec(SyncFixture.url(cp), true))) {
      // a real TLS connection through the node reaches the backend on 127.0.0.1 by the mapped address
      Await.until(() -> TestTls.TENANT_A.equals(cn(node, TestTls.MYAPP)));
      assertThat(SyncFixture.backends(node, "rt_a")).extracting(b -> ((io.vertx.core.json.JsonObject) b)
          .getString("address")).containsExactly("[::ffff:127.0.0.1]:" + ipv4Backend.actualPort());
      Await.until("bad address counted", () -> dropped(node) == 1, () -> "dropped=" + dropped(node));

      // another ready instance: once the node lists it, at least one more refresh has seen the bad one again
      cp.edit(s -> s.withInstance(instance("inst_2", "::1")));
      Await.until("refreshed", () -> addresses(node).contains("[::1]:" + ipv4Backend.actualPort()),
          () -> addresses(node).toString());
      assertThat(dropped(node)).as("counted once").isEqualTo(1);
      synchronized (logs) {
        assertThat(logs.list).as("logged once").hasSize(1);
        ILoggingEvent line = logs.list.get(0);
        assertThat(line.getKeyValuePairs()).anySatisfy(kv -> {
          assertThat(kv.key).isEqualTo("instance_id");
          assertThat(kv.value).isEqualTo("inst_bad");
        });
      }
    }
  }

  private static double dropped(TestNode node) {
    return Probe.counter(node, MetricNames.SYNC_INSTANCES_DROPPED, "reason", "bad_address");
  }

  private static java.util.List<String> addresses(TestNode node) {
    JsonArray backends = SyncFixture.backends(node, "rt_a");
    return backends == null ? java.util.List.of() : backends.stream()
        .map(b -> ((io.vertx.core.json.JsonObject) b).getString("address")).toList();
  }
}
