package dev.ghost.ingress;

import dev.ghost.ingress.admin.NodeDrainer;
import dev.ghost.ingress.admin.NodeState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's graceful drain (docs/behaviour.md Draining: "node SIGTERM / admin drain node"), one code path for the signal
 * and the admin command: phase DRAINING ({@code /readyz} 503), the fleet entry marked draining, every listening
 * socket closed at once, open connections relayed until they end or {@code shutdown_timeout} (what is left is then
 * closed and counted as {@code drain_deadline}), then Vert.x closed, which leaves the cluster. One log line at the
 * start and one at the end. Runs once; {@link #done()} completes when the node is closed.
 */
final class NodeDrain implements NodeDrainer {

  private static final Logger LOG = LoggerFactory.getLogger(NodeDrain.class);
  /**
   * The least time between the start and closing Vert.x, so the admin reply that started the drain (over HTTP or
   * the cluster's event bus) is delivered before the admin server and the event bus close.
   */
  static final long REPLY_GRACE_MS = 300;

  private final Vertx vertx;
  private final NodeState state;
  private final Supplier<Duration> deadline;
  private final IntSupplier openConnections;
  private final LongFunction<List<Future<Integer>>> stopListeners;
  private final Runnable leaveServingSet;
  private final Supplier<Future<Void>> close;
  private final AtomicBoolean begun = new AtomicBoolean();
  private final Promise<Void> done = Promise.promise();

  /**
   * @param vertx           the node's Vert.x (timers)
   * @param state           its lifecycle phase
   * @param deadline        {@code proxy.shutdown_timeout} in force (read when the drain begins)
   * @param openConnections connections open on the node now
   * @param stopListeners   closes every listening socket and completes, per listener instance, once its connections
   *                        ended or at the deadline in ms (with how many were closed then)
   * @param leaveServingSet marks the node draining in the fleet (a no-op when not clustered)
   * @param close           closes the node (Vert.x, and with it the cluster membership)
   */
  NodeDrain(Vertx vertx, NodeState state, Supplier<Duration> deadline, IntSupplier openConnections,
      LongFunction<List<Future<Integer>>> stopListeners, Runnable leaveServingSet, Supplier<Future<Void>> close) {
    this.vertx = vertx;
    this.state = state;
    this.deadline = deadline;
    this.openConnections = openConnections;
    this.stopListeners = stopListeners;
    this.leaveServingSet = leaveServingSet;
    this.close = close;
  }

  @Override
  public Optional<Started> begin(String cause) {
    if (!begun.compareAndSet(false, true)) {
      return Optional.empty();
    }
    long t0 = System.nanoTime();
    Duration deadline = this.deadline.get();
    state.phase(NodeState.Phase.DRAINING);
    leaveServingSet.run();
    int open = openConnections.getAsInt();
    LOG.atInfo().addKeyValue("node_id", state.nodeId()).addKeyValue("cause", cause)
        .addKeyValue("open_connections", open).addKeyValue("deadline_ms", deadline.toMillis())
        .log("node draining: listeners closed, open connections continue");
    Future.all(stopListeners.apply(deadline.toMillis()))
        .map(all -> all.<Integer>list().stream().mapToInt(Integer::intValue).sum())
        .otherwise(-1)
        .compose(closed -> {
          LOG.atInfo().addKeyValue("node_id", state.nodeId()).addKeyValue("closed_at_deadline", closed)
              .addKeyValue("duration_ms", (System.nanoTime() - t0) / 1_000_000).log("node drained; closing");
          long waited = (System.nanoTime() - t0) / 1_000_000;
          return waited >= REPLY_GRACE_MS ? Future.succeededFuture()
              : vertx.timer(REPLY_GRACE_MS - waited).<Void>mapEmpty();
        })
        .compose(v -> close.get())
        .onComplete(ar -> done.tryComplete());
    return Optional.of(new Started(open, deadline));
  }

  /** Completes once a drain has closed the node (never fails). */
  Future<Void> done() {
    return done.future();
  }
}
