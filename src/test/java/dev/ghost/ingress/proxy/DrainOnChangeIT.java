package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The drain table of docs/behaviour.md for route-table changes: a connection whose backend is no longer its route's
 * target keeps running until the drain timeout and is then closed and counted as drain_deadline; a swap that keeps
 * its route and backend leaves it untouched; drain_timeout 0 means no deadline.
 */
class DrainOnChangeIT {

  static final int PORT = 7960;
  static final int NO_DEADLINE_PORT = 7961;

  static RawServer first;
  static RawServer second;
  static TestNode node;
  static long version = 100;

  @BeforeAll
  static void start() throws Exception {
    first = RawServer.echo("::1");
    second = RawServer.echo("::1");
    node = TestNode.start(new TestNode.Spec().withoutProbes().ipv6("::1").set("proxy.drain_timeout", "500ms")
        .route(RouteJson.raw("app", PORT, first.backend()))
        .route(RouteJson.raw("forever", NO_DEADLINE_PORT, first.backend())));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    first.close();
    second.close();
  }

  @Test
  void aSwapThatKeepsTheRouteAndBackendLeavesTheConnectionAlone() throws Exception {
    try (Socket client = Clients.connect("::1", node.port("::1", PORT))) {
      echoes(client, "before");
      swap(first, first);
      double drains = drains("app");
      echoes(client, "after an unrelated swap");
      assertThat(drains("app")).isEqualTo(drains);
    }
  }

  @Test
  void aConnectionToABackendThatLeftTheRouteDrainsThenClosesAtTheDeadline() throws Exception {
    swap(first, first);
    double before = Probe.closed(node, "drain_deadline");
    try (Socket client = Clients.connect("::1", node.port("::1", PORT))) {
      echoes(client, "on the first backend");
      swap(second, first);
      Await.until("the drain to start", () -> drains("app") > 0);
      echoes(client, "still relayed while draining");
      Clients.expectClosedWithoutData(client);
      Await.until("closed{reason=drain_deadline}", () -> Probe.closed(node, "drain_deadline") > before);
      // new connections go to the route's new backend
      int acceptedBefore = second.accepted();
      try (Socket next = Clients.connect("::1", node.port("::1", PORT))) {
        echoes(next, "new");
      }
      assertThat(second.accepted()).isEqualTo(acceptedBefore + 1);
    } finally {
      swap(first, first);
    }
  }

  @Test
  void anAdminDrainOfTheBackendStartsTheDrainClockOfItsOpenConnections() throws Exception {
    swap(first, first);
    double before = Probe.closed(node, "drain_deadline");
    Backend backend = Backend.parse(first.backend());
    try (Socket client = Clients.connect("::1", node.port("::1", NO_DEADLINE_PORT))) {
      echoes(client, "before the drain");
      node.node().services().health().drains().set(backend, true, "test");
      Await.until("the drain to start", () -> drains("forever") > 0);
      echoes(client, "still relayed while draining");
      Clients.expectClosedWithoutData(client);
      Await.until("closed{reason=drain_deadline}", () -> Probe.closed(node, "drain_deadline") > before);
    } finally {
      node.node().services().health().drains().set(backend, false, "test");
    }
  }

  @Test
  void drainTimeoutZeroMeansNoDeadline() throws Exception {
    swap(first, first);
    double closedBefore = Probe.closed(node, "drain_deadline");
    try (TestNode patient = TestNode.start(new TestNode.Spec().withoutProbes().ipv6("::1").set("proxy.drain_timeout", "0")
        .route(RouteJson.raw("app", PORT, first.backend())));
         Socket timed = Clients.connect("::1", node.port("::1", PORT));
         Socket untimed = Clients.connect("::1", patient.port("::1", PORT))) {
      echoes(timed, "a");
      echoes(untimed, "b");
      patient.node().tables().swap(new RouteTableBuilder(2, PortPolicy.DEFAULT)
          .add(Route.raw("app", PORT).withBackends(List.of(Backend.parse(second.backend())))).build());
      swap(second, first);
      Await.until("the drain to start", () -> Probe.counter(patient, MetricNames.DRAINS, "route", "app") > 0);
      // the 500 ms deadline of the other node is the clock: once it has closed its connection, time has passed
      Await.until("the timed connection to reach its deadline",
          () -> Probe.closed(node, "drain_deadline") > closedBefore);
      echoes(untimed, "still relayed without a deadline");
    } finally {
      swap(first, first);
    }
  }

  private static void swap(RawServer app, RawServer forever) {
    node.node().tables().swap(new RouteTableBuilder(++version, PortPolicy.DEFAULT)
        .add(Route.raw("app", PORT).withBackends(List.of(Backend.parse(app.backend()))))
        .add(Route.raw("forever", NO_DEADLINE_PORT).withBackends(List.of(Backend.parse(forever.backend()))))
        .build());
  }

  private static double drains(String route) {
    return Probe.counter(node, MetricNames.DRAINS, "route", route);
  }

  private static void echoes(Socket s, String text) throws Exception {
    byte[] b = Clients.ascii(text);
    s.getOutputStream().write(b);
    assertThat(Clients.readExactly(s, b.length)).isEqualTo(b);
  }
}
