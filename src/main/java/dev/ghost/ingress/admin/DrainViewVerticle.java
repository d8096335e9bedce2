package dev.ghost.ingress.admin;

import dev.ghost.ingress.observe.BusAddresses;
import dev.ghost.ingress.proxy.DrainCounts;
import dev.ghost.ingress.eligibility.AdminDrains;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Shares this node's open connections per draining backend on {@link BusAddresses#DRAIN_VIEW} (at most
 * {@value #DEBOUNCE_MS} ms after a change, and every {@value #PERIOD_MS} ms) and aggregates every node's into a
 * {@link DrainView}. Standalone, the bus is the node's own and the view holds only this node.
 */
public final class DrainViewVerticle extends VerticleBase {

  static final long PERIOD_MS = 2_000;
  static final long DEBOUNCE_MS = 100;

  private final String nodeId;
  private final DrainCounts counts;
  private final AdminDrains drains;
  private final ClusterManager cluster;
  private final DrainView view = new DrainView();
  private final AtomicBoolean dirty = new AtomicBoolean();
  private MessageConsumer<Object> consumer;
  private volatile Context ctx;
  private long timer = -1;

  /**
   * @param nodeId  {@code GHOST_NODE_ID}
   * @param counts  this node's draining connections
   * @param drains  admin-drained backends (listed with 0 when nothing is open)
   * @param cluster the cluster manager, null standalone
   */
  public DrainViewVerticle(String nodeId, DrainCounts counts, AdminDrains drains, ClusterManager cluster) {
    this.nodeId = nodeId;
    this.counts = counts;
    this.drains = drains;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    ctx = context;
    consumer = vertx.eventBus().consumer(BusAddresses.DRAIN_VIEW, m -> {
      if (m.body() instanceof JsonObject report && !nodeId.equals(report.getString("node_id"))) {
        view.accept(report, System.currentTimeMillis());
      }
    });
    counts.onChange(this::changed);
    drains.onChange(this::changed);
    timer = vertx.setPeriodic(PERIOD_MS, t -> publish());
    return consumer.completion().onSuccess(v -> publish());
  }

  /** Any thread: publish soon, once per burst of changes. */
  private void changed() {
    Context c = ctx;
    if (c != null && dirty.compareAndSet(false, true)) {
      c.runOnContext(v -> vertx.setTimer(DEBOUNCE_MS, t -> publish()));
    }
  }

  private void publish() {
    dirty.set(false);
    JsonObject report = own().put("at", System.currentTimeMillis());
    view.accept(report, System.currentTimeMillis());
    vertx.eventBus().publish(BusAddresses.DRAIN_VIEW, report);
  }

  /** This node's report: {@code {"node_id", "member", "backends": {"host:port": n}}}. */
  public JsonObject own() {
    JsonObject backends = new JsonObject();
    counts.snapshot(drains.drained()).forEach(backends::put);
    return new JsonObject().put("node_id", nodeId).put("member", member()).put("backends", backends);
  }

  /** The fleet-wide view ({@code "draining"} of {@code /v1/fleet}); callable from any thread. */
  public JsonObject fleet() {
    view.accept(own(), System.currentTimeMillis()); // this node's counts are always current
    return view.render(this::isMember, System.currentTimeMillis());
  }

  private String member() {
    try {
      return cluster == null ? null : cluster.getNodeId();
    } catch (RuntimeException e) {
      return null; // closing
    }
  }

  private boolean isMember(String member) {
    if (cluster == null) {
      return true;
    }
    try {
      return member != null && cluster.getNodes().contains(member); // a local read of the member list
    } catch (RuntimeException e) {
      return true;
    }
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
