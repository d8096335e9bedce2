package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.TestNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.vertx.core.Promise;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A real node counts its event-loop stalls as {@code start} until it is first ready and as {@code serving} after:
 * a loop held once {@code /readyz} answers 200 (and every loop's sampling window has opened since) shows in the
 * serving series, and the start series stays as it was;
 * the log's stall line says the same phase.
 */
class StallPhaseIT {

  @Test
  void aStallAfterReadyCountsAsServing() throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger logger = (Logger) LoggerFactory.getLogger(EventLoopLag.class);
    logger.addAppender(logs);
    try (TestNode node = TestNode.start(new TestNode.Spec().ipv6("::1"))) {
      assertThat(Probe.get(node, "/readyz")).contains("ready");
      // a stall counts in the phase its sampling window began in: let every loop open one since ready
      EventLoopLagTest.sampleEveryLoop(node.node().vertx());
      double start = stalls(node, StallPhase.START);
      double serving = stalls(node, StallPhase.SERVING);

      Promise<Void> held = Promise.promise();
      node.node().vertx().runOnContext(v -> {
        long end = System.nanoTime() + EventLoopLag.STALL.toNanos() * 4;
        while (System.nanoTime() < end) {
          Thread.onSpinWait(); // the work a stall is made of
        }
        held.complete();
      });
      held.future().await();

      Await.until("the stall counted as serving", () -> stalls(node, StallPhase.SERVING) > serving,
          () -> "start " + stalls(node, StallPhase.START) + ", serving " + stalls(node, StallPhase.SERVING));
      assertThat(stalls(node, StallPhase.START)).as("start stalls once ready").isEqualTo(start);
      // at most one line per phase per interval: this stall's, or an earlier one's since ready
      Await.until("a serving stall line", () -> phases(logs).contains("serving"), () -> phases(logs).toString());
    } finally {
      logger.detachAppender(logs);
    }
  }

  /** The phase of each stall line logged, in order. */
  private static List<String> phases(ListAppender<ILoggingEvent> logs) {
    return List.copyOf(logs.list).stream().filter(e -> e.getLevel() == Level.WARN)
        .flatMap(e -> e.getKeyValuePairs().stream()).filter(kv -> kv.key.equals("phase"))
        .map(kv -> String.valueOf(kv.value)).toList();
  }

  private static double stalls(TestNode node, StallPhase phase) {
    List<FunctionCounter> c = List.copyOf(node.node().registry().find(MetricNames.EVENT_LOOP_STALLS)
        .tag("phase", phase.label()).functionCounters());
    assertThat(c).as("the %s series, there from start", phase.label()).hasSize(StallCause.values().length);
    return c.stream().mapToDouble(FunctionCounter::count).sum();
  }
}
