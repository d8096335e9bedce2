package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reported finding replayed against the real jar with a small heap: a control plane that
 * answers the feed with one page of 100 000 items (about 110 MiB) ran a node out of memory at {@code -Xmx256m}
 * and half its connections failed. Here the node runs at {@code -Xmx48m}: it cuts the page at its body cap, counts
 * it, logs no {@code OutOfMemoryError}, and real TLS connections through it keep reaching the healthy route.
 */
class OversizedPageJarIT {

  static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir
  Path dir;
  Vertx vertx;
  NetServer backend;
  FakeFeed feed;
  JarProcess node;

  @BeforeEach
  void start() {
    TestTls.warmUp();
    vertx = Vertx.vertx();
    backend = SyncFixture.tlsBackend(vertx, TestTls.TENANT_A);
    feed = FakeFeed.start(vertx);
    feed.add(1, "route.created", FakeFeed.routeCreated("rt_a", TestTls.MYAPP, backend.actualPort()));
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    feed.close();
    vertx.close().await();
  }

  @Test
  void hugePageIsCutAndTheNodeKeepsRoutingOnASmallHeap() throws Exception {
    node = JarProcess.start(JarProcess.currentJava(), List.of("-Xmx48m", "-XX:+UseSerialGC"),
        JarProcess.builtJar(), Map.of(
            "GHOST_CONTROL_PLANE_URL", feed.url(),
            "GHOST_API_TOKEN", SyncFixture.TOKEN,
            "GHOST_ORG_ID", SyncFixture.ORG,
            "GHOST_SYNC_STREAM", "false",
            "GHOST_SYNC_POLL_INTERVAL", "200ms",
            "GHOST_LISTEN_ADDR_IPV6", "[::1]:443",
            "GHOST_PORT_MAP", "443=0",
            "GHOST_ADMIN_ADDR", "127.0.0.1:0",
            "GHOST_HEALTH_CHECK_ENABLED", "false",
            "GHOST_STATE_FILE", dir.resolve("state.json").toString()), null);
    node.awaitLog("route table applied", j -> j.getInteger("routes", 0) == 1, DEADLINE);
    int port = node.awaitLog("listening", j -> "::1".equals(j.getString("host")), DEADLINE).getInteger("port");
    assertThat(cn(port)).isEqualTo(TestTls.TENANT_A);

    feed.oversize = FakeFeed.Oversize.HUGE_PAGE;
    // while the plane keeps sending the page poll after poll, connections through the node still reach the backend
    long end = System.nanoTime() + DEADLINE.toNanos();
    int connections = 0;
    while (refusals() < 3) {
      assertThat(System.nanoTime() - end).as("three huge pages refused in time\n" + node.describe()).isNegative();
      assertThat(cn(port)).isEqualTo(TestTls.TENANT_A);
      connections++;
    }
    assertThat(connections).isPositive();
    assertThat(cn(port)).isEqualTo(TestTls.TENANT_A);
    List<String> all = new java.util.ArrayList<>(node.stdout());
    all.addAll(node.stderr());
    assertThat(all).as(node.describe()).noneMatch(l -> l.contains("OutOfMemoryError"));
    assertThat(all).noneMatch(l -> l.contains("rt_junk"));
  }

  private long refusals() {
    return node.stdout().stream().filter(l -> l.contains("\"kind\":\"body_too_large\"")).count();
  }

  private static String cn(int port) throws Exception {
    try (SSLSocket s = TestTls.connect("::1", port, TestTls.MYAPP, "TLSv1.3")) {
      return TestTls.peerCommonName(s);
    }
  }
}
