package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A route's idle timeout cuts a connection with no bytes either way, and traffic keeps one alive. */
class IdleTimeoutIT {

  static final int IDLE_PORT = 7950;
  static final int NO_IDLE_PORT = 7951;

  static RawServer echo;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    echo = RawServer.echo("::1");
    node = TestNode.start(new TestNode.Spec().ipv6("::1")
        .route(RouteJson.raw("idle", IDLE_PORT, echo.backend()).idleTimeout(Duration.ofMillis(400)))
        .route(RouteJson.raw("forever", NO_IDLE_PORT, echo.backend())));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    echo.close();
  }

  @Test
  void anIdleConnectionIsResetAtTheRoutesIdleTimeoutAndCounted() throws Exception {
    double before = Probe.closed(node, "idle_timeout");
    try (Socket client = Clients.connect("::1", node.port("::1", IDLE_PORT))) {
      echoes(client, "hello");
      long idleSince = System.nanoTime();
      assertThat(Clients.expectClosedWithoutData(client)).isEqualTo(Clients.Ending.RESET);
      assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isGreaterThanOrEqualTo(Duration.ofMillis(350));
    }
    Await.until("closed{reason=idle_timeout}", () -> Probe.closed(node, "idle_timeout") > before);
  }

  @Test
  void trafficKeepsTheConnectionAlivePastTheIdleTimeout() throws Exception {
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    try (Socket client = Clients.connect("::1", node.port("::1", IDLE_PORT))) {
      long start = System.nanoTime();
      // one echo every 150 ms for 1.2 s: three times the idle timeout, never idle for long
      for (int i = 0; i < 8; i++) {
        String text = "ping " + i;
        pacer.schedule(() -> null, 150, TimeUnit.MILLISECONDS).get();
        echoes(client, text);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(800));
    } finally {
      pacer.shutdownNow();
    }
  }

  @Test
  void rawRoutesHaveNoIdleTimeoutByDefault() throws Exception {
    try (Socket client = Clients.connect("::1", node.port("::1", NO_IDLE_PORT))) {
      echoes(client, "one");
      // the idle route's timeout passing proves time went by; this connection must still work
      try (Socket other = Clients.connect("::1", node.port("::1", IDLE_PORT))) {
        echoes(other, "x");
        Clients.expectClosedWithoutData(other);
      }
      echoes(client, "still here");
    }
  }

  private static void echoes(Socket s, String text) throws Exception {
    byte[] b = Clients.ascii(text);
    s.getOutputStream().write(b);
    assertThat(Clients.readExactly(s, b.length)).isEqualTo(b);
  }
}
