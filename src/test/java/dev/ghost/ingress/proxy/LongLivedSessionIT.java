package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.StreamingTlsSession;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import dev.ghost.ingress.testing.TlsStreamBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Long-lived TLS sessions streaming both ways through a tls_passthrough route, against the drain table: a table
 * change that keeps the session's route and backend leaves it alone; when its backend leaves the route, it keeps
 * streaming and ends normally if it finishes within the drain timeout, while new sessions go to the new backend;
 * past the deadline it is cut and counted as {@code drain_deadline}.
 */
class LongLivedSessionIT {

  /** Long enough for a session to finish on a loaded machine; short enough to wait for in the deadline test. */
  static final Duration DRAIN = Duration.ofSeconds(3);
  static final Duration SHORT_DRAIN = Duration.ofMillis(300);

  static TlsStreamBackend first;
  static TlsStreamBackend second;
  static TestNode node;
  static long version = 100;

  @BeforeAll
  static void start() throws Exception {
    TestTls.warmUp();
    first = TlsStreamBackend.start("::1", TestTls.MYAPP);
    second = TlsStreamBackend.start("::1", TestTls.MYAPP);
    node = TestNode.start(new TestNode.Spec().ipv6("::1").withoutProbes().set("proxy.sniff_timeout", "5s")
        .set("proxy.drain_timeout", DRAIN.toMillis() + "ms")
        .route(RouteJson.tls("myapp", TestTls.MYAPP, first.backend())));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
  }

  @Test
  void aTableChangeThatKeepsTheRouteAndBackendLeavesTheSessionAlone() throws Exception {
    swap(first, DRAIN, true);
    double drains = drains();
    try (StreamingTlsSession session = open()) {
      swap(first, DRAIN, false);
      swap(first, DRAIN, true);
      session.awaitMoreRoundTrips("after two table swaps", 50);
      assertThat(drains()).isEqualTo(drains);
      session.finish();
    }
  }

  @Test
  void aSessionWhoseBackendLeftTheRouteStreamsOnAndEndsNormallyWithinTheDeadline() throws Exception {
    swap(first, DRAIN, false);
    double drains = drains();
    double cut = Probe.closed(node, "drain_deadline");
    try (StreamingTlsSession session = open()) {
      swap(second, DRAIN, false);
      Await.until("its drain clock to start", () -> drains() > drains);
      session.awaitMoreRoundTrips("while draining", 50);
      int before = second.accepted();
      try (StreamingTlsSession next = open()) {
        next.awaitMoreRoundTrips("on the new backend", 5);
        next.finish();
      }
      assertThat(second.accepted()).isEqualTo(before + 1);
      session.awaitMoreRoundTrips("after a new session went elsewhere", 50);
      session.finish();
    } finally {
      swap(first, DRAIN, false);
    }
    assertThat(Probe.closed(node, "drain_deadline")).isEqualTo(cut);
  }

  @Test
  void aSessionStillOpenAtTheDeadlineIsCutAndCounted() throws Exception {
    swap(first, SHORT_DRAIN, false);
    double cut = Probe.closed(node, "drain_deadline");
    try (StreamingTlsSession session = open()) {
      swap(second, SHORT_DRAIN, false);
      session.awaitCut(Duration.ofSeconds(10));
      Await.until("closed{reason=drain_deadline} counted", () -> Probe.closed(node, "drain_deadline") > cut);
    } finally {
      swap(first, DRAIN, false);
    }
  }

  private static StreamingTlsSession open() throws Exception {
    return StreamingTlsSession.open("::1", node.port("::1", 443), TestTls.MYAPP);
  }

  /** Installs a table: route myapp on {@code backend} with {@code drain}, plus an unrelated route when asked. */
  private static void swap(TlsStreamBackend backend, Duration drain, boolean withOther) {
    List<Route> routes = new ArrayList<>();
    routes.add(Route.tls("myapp", TestTls.MYAPP, 443)
        .withBackends(List.of(Backend.parse(backend.backend()))).withLimits(null, drain, 0));
    if (withOther) {
      routes.add(Route.tls("other", TestTls.OTHER, 443)
          .withBackends(List.of(Backend.parse(second.backend()))));
    }
    RouteTableBuilder builder = new RouteTableBuilder(++version, PortPolicy.DEFAULT);
    routes.forEach(builder::add);
    node.node().tables().swap(builder.build());
  }

  private static double drains() {
    return Probe.counter(node, MetricNames.DRAINS, "route", "myapp");
  }
}
