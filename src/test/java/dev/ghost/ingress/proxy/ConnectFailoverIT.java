package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import java.net.Socket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream connect failures: a refused backend is retried on the next one for the same client, counted and ejected;
 * with no backend left the client is reset; with every backend ejected they are tried anyway (panic mode).
 */
class ConnectFailoverIT {

  private static final String LOOPBACK = "127.0.0.1";

  static RawServer live;
  static int dead;
  static int dead1;
  static int dead2;
  static int panicDead;
  static int revived;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    live = RawServer.echo(LOOPBACK);
    dead = RawServer.refusedPort(LOOPBACK);
    dead1 = RawServer.refusedPort(LOOPBACK);
    dead2 = RawServer.refusedPort(LOOPBACK);
    panicDead = RawServer.refusedPort(LOOPBACK);
    revived = RawServer.refusedPort(LOOPBACK);
    node = TestNode.start(new TestNode.Spec().withoutProbes()
        // ejections last the whole test, so panic mode is reached and stays
        .set("proxy.eject_base", "60s")
        .ipv6("::1")
        .route(RouteJson.raw("failover", 7600, hp(dead), live.backend()))
        .route(RouteJson.raw("alldead", 7601, hp(dead1), hp(dead2)))
        .route(RouteJson.raw("panic", 7602, hp(panicDead), hp(revived))));
  }

  @AfterAll
  static void stop() {
    node.close();
    live.close();
  }

  @Test
  void refusedBackendIsRetriedCountedAndEjected() throws Exception {
    for (int i = 0; i < 6; i++) {
      assertEchoes(7600, "hello " + i);
    }
    assertThat(Probe.counter(node, "ghost.upstream.connect.failures", "route", "failover", "kind", "refused"))
        .isGreaterThanOrEqualTo(1.0);
    assertThat(Probe.backendState(node, "failover", hp(dead))).isEqualTo("ejected");
    assertThat(Probe.backendState(node, "failover", live.backend())).isEqualTo("eligible");
  }

  @Test
  void allBackendsDeadResetsTheClient() throws Exception {
    double before = Probe.closed(node, "connect_failed");
    assertThat(Clients.connectExpectingNoData("::1", node.port("::1", 7601), Clients.ascii("anyone?")))
        .isEqualTo(Clients.Ending.RESET);
    Await.until("closed{reason=connect_failed}", () -> Probe.closed(node, "connect_failed") > before);
  }

  @Test
  void panicModeTriesEjectedBackendsAndFindsTheOneBackAlive() throws Exception {
    Clients.connectExpectingNoData("::1", node.port("::1", 7602), null);
    Await.until("both backends ejected", () -> "ejected".equals(Probe.backendState(node, "panic", hp(panicDead)))
        && "ejected".equals(Probe.backendState(node, "panic", hp(revived))));
    double panics = Probe.counter(node, "ghost.upstream.panic", "route", "panic");
    try (RawServer back = RawServer.echo(LOOPBACK, revived)) {
      assertEchoes(7602, "still there");
      assertThat(Probe.counter(node, "ghost.upstream.panic", "route", "panic")).isGreaterThan(panics);
      assertThat(Probe.backendState(node, "panic", hp(revived))).isEqualTo("eligible");
      assertThat(back.accepted()).isEqualTo(1);
    }
  }

  private static void assertEchoes(int routePort, String text) throws Exception {
    byte[] bytes = Clients.ascii(text);
    try (Socket client = Clients.connect("::1", node.port("::1", routePort))) {
      client.getOutputStream().write(bytes);
      assertThat(Clients.readExactly(client, bytes.length)).isEqualTo(bytes);
    }
  }

  private static String hp(int port) {
    return TestNode.hostPort(LOOPBACK, port);
  }
}
