package dev.ghost.ingress.health;

import dev.ghost.ingress.observe.BusAddresses;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.BackendHealth;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node: publishes this node's passive-health view on {@link BusAddresses#HEALTH_VIEW} (clustered event bus,
 * or the local one standalone) and keeps the latest view of every node for {@code GET /v1/fleet/health}.
 *
 * <p>It polls {@link BackendHealth#snapshot()} every {@value #POLL_MS} ms and publishes the full view at once when a
 * backend was ejected or restored (or the route table changed), and every {@value #PERIODIC_MS} ms regardless, so a lost message heals. The view
 * lists every backend of the current route table (eligible, 0 failures, unless the snapshot says otherwise) plus any
 * backend still in the snapshot. Everything runs on this verticle's context; nothing blocks (the member list of the
 * cluster manager is a local read).
 */
public final class HealthVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HealthVerticle.class);
  /** Period of the snapshot diff. */
  public static final long POLL_MS = 500;
  /** Period of the full view. */
  public static final long PERIODIC_MS = 2_000;

  private final String nodeId;
  private final BackendHealth health;
  private final RouteTableRef tables;
  private final ClusterManager cluster;
  private final HealthMatrix matrix;
  private MessageConsumer<JsonObject> consumer;
  private Map<String, Boolean> lastEjected = Map.of();
  private RouteTable backendsOf;
  private Set<Backend> tableBackends = Set.of();

  /**
   * @param nodeId  {@code GHOST_NODE_ID}
   * @param health  the node's passive health
   * @param tables  the node's route table (its backends are listed even when healthy)
   * @param cluster the cluster manager, or null standalone
   */
  public HealthVerticle(String nodeId, BackendHealth health, RouteTableRef tables, ClusterManager cluster) {
    this.nodeId = nodeId;
    this.health = health;
    this.tables = tables;
    this.cluster = cluster;
    this.matrix = new HealthMatrix(nodeId);
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(BusAddresses.HEALTH_VIEW, msg -> {
      if (!matrix.accept(msg.body(), System.currentTimeMillis())) {
        LOG.atDebug().log("health: view ignored (malformed or older)");
      }
    });
    return consumer.completion().onSuccess(v -> {
      vertx.setPeriodic(POLL_MS, t -> poll());
      vertx.setPeriodic(PERIODIC_MS, t -> {
        matrix.prune(System.currentTimeMillis(), this::isMember);
        publish("periodic", List.of());
      });
      publish("periodic", List.of());
    });
  }

  /** Diffs the ejection state against the last poll; publishes at once when a backend was ejected or restored. */
  private void poll() {
    Map<String, Boolean> now = ejectedNow();
    JsonArray changed = new JsonArray();
    now.forEach((b, e) -> {
      if (!e.equals(lastEjected.getOrDefault(b, false))) {
        changed.add(new JsonObject().put("backend", b).put("ejected", e));
      }
    });
    lastEjected.forEach((b, e) -> {
      if (e && !now.containsKey(b)) {
        changed.add(new JsonObject().put("backend", b).put("ejected", false)); // forgotten with its route
      }
    });
    if (!changed.isEmpty()) {
      publish("change", changed.getList());
    } else if (tables.current() != backendsOf) {
      publish("table", List.of()); // new or removed backends: show them without waiting for the periodic view
    }
  }

  private Map<String, Boolean> ejectedNow() {
    Map<String, Boolean> out = new TreeMap<>();
    health.snapshot().forEach((b, s) -> out.put(b.toString(), s.ejected()));
    return out;
  }

  private void publish(String reason, List<?> changed) {
    Map<Backend, BackendHealth.Status> snapshot = health.snapshot();
    Map<String, JsonObject> rows = new TreeMap<>();
    for (Backend b : backends()) {
      rows.put(b.toString(), row(b, false, 0));
    }
    Map<String, Boolean> ejected = new TreeMap<>();
    snapshot.forEach((b, s) -> {
      rows.put(b.toString(), row(b, s.ejected(), s.consecutiveFailures()));
      ejected.put(b.toString(), s.ejected());
    });
    lastEjected = ejected;
    JsonObject view = new JsonObject().put("node_id", nodeId).put("member", member())
        .put("at", System.currentTimeMillis()).put("reason", reason)
        .put("backends", new JsonArray(List.copyOf(rows.values())))
        .put("changed", new JsonArray(List.copyOf(changed)));
    matrix.accept(view, System.currentTimeMillis()); // our own view does not depend on the bus
    vertx.eventBus().publish(BusAddresses.HEALTH_VIEW, view);
    if (!changed.isEmpty()) {
      LOG.atInfo().addKeyValue("node_id", nodeId).addKeyValue("changed", view.getJsonArray("changed").encode())
          .log("health: backend status changed");
    }
  }

  private static JsonObject row(Backend b, boolean ejected, int failures) {
    return new JsonObject().put("backend", b.toString()).put("ejected", ejected)
        .put("consecutive_failures", failures);
  }

  /** The backends of the current table, recomputed only when the table changed. */
  private Set<Backend> backends() {
    RouteTable table = tables.current();
    if (table != backendsOf) {
      Set<Backend> all = new HashSet<>();
      table.routes().forEach(r -> all.addAll(r.backends()));
      tableBackends = all;
      backendsOf = table;
    }
    return tableBackends;
  }

  private String member() {
    return cluster == null ? null : cluster.getNodeId();
  }

  /** The {@code /v1/fleet/health} matrix; callable from any thread (it is computed on this verticle's context). */
  public Future<JsonObject> matrix() {
    Promise<JsonObject> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        matrix.prune(System.currentTimeMillis(), this::isMember);
        promise.complete(matrix.render());
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  private boolean isMember(String member) {
    if (cluster == null) {
      return false; // standalone: only the own node's view counts
    }
    try {
      return cluster.getNodes().contains(member);
    } catch (RuntimeException e) {
      return false; // closing
    }
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
