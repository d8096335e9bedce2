package dev.ghost.ingress.health;

import dev.ghost.ingress.observe.BusAddresses;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.ProbeStatus;
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
 * One per node: publishes this node's health view (passive ejection and active probe verdict) on
 * {@link BusAddresses#HEALTH_VIEW} (clustered event bus, or the local one standalone) and keeps the latest view of
 * every node for {@code GET /v1/fleet/health}.
 *
 * <p>It polls {@link BackendHealth#snapshot()} every {@value #POLL_MS} ms and publishes the full view when a
 * backend was ejected or restored (or the route table changed); a probe verdict change is published at once (the
 * prober's change listener triggers the same diff). The full view also goes out every {@value #PERIODIC_MS} ms
 * regardless, so a lost message heals. The view
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
  private Map<String, Status> last = Map.of();
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
      health.probes().onChange(() -> context.runOnContext(x -> poll()));
      vertx.setPeriodic(POLL_MS, t -> poll());
      vertx.setPeriodic(PERIODIC_MS, t -> {
        matrix.prune(System.currentTimeMillis(), this::isMember);
        publish("periodic", List.of());
      });
      publish("periodic", List.of());
    });
  }

  /**
   * Diffs ejection and probe-down state against the last view; publishes at once when a backend was ejected,
   * restored, or went probe-down or up.
   */
  private void poll() {
    Map<String, Status> now = statusNow();
    JsonArray changed = new JsonArray();
    now.forEach((b, st) -> {
      if (!st.equals(last.getOrDefault(b, Status.HEALTHY))) {
        changed.add(st.change(b));
      }
    });
    last.forEach((b, st) -> {
      if (!st.equals(Status.HEALTHY) && !now.containsKey(b)) {
        changed.add(Status.HEALTHY.change(b)); // forgotten with its route
      }
    });
    if (!changed.isEmpty()) {
      publish("change", changed.getList());
    } else if (tables.current() != backendsOf) {
      publish("table", List.of()); // new or removed backends: show them without waiting for the periodic view
    }
  }

  /** What a change is about: passive ejection and the probe verdict (an unknown to up step is no change). */
  private record Status(boolean ejected, boolean probeDown, String probe) {
    static final Status HEALTHY = new Status(false, false, ProbeStatus.UNKNOWN.label());

    @Override
    public boolean equals(Object o) {
      return o instanceof Status s && s.ejected == ejected && s.probeDown == probeDown;
    }

    @Override
    public int hashCode() {
      return Boolean.hashCode(ejected) * 31 + Boolean.hashCode(probeDown);
    }

    JsonObject change(String backend) {
      return new JsonObject().put("backend", backend).put("ejected", ejected).put("probe", probe);
    }
  }

  /** Backends that are ejected or have a probe verdict, by address. */
  private Map<String, Status> statusNow() {
    Map<Backend, BackendHealth.Status> snapshot = health.snapshot();
    Map<Backend, ProbeStatus> probes = health.probes().snapshot();
    Set<Backend> all = new HashSet<>(snapshot.keySet());
    all.addAll(probes.keySet());
    Map<String, Status> out = new TreeMap<>();
    for (Backend b : all) {
      BackendHealth.Status s = snapshot.get(b);
      ProbeStatus p = probes.getOrDefault(b, ProbeStatus.UNKNOWN);
      out.put(b.toString(), new Status(s != null && s.ejected(), p == ProbeStatus.DOWN, p.label()));
    }
    return out;
  }

  private void publish(String reason, List<?> changed) {
    Map<Backend, BackendHealth.Status> snapshot = health.snapshot();
    Map<String, JsonObject> rows = new TreeMap<>();
    for (Backend b : backends()) {
      rows.put(b.toString(), row(b, false, 0));
    }
    snapshot.forEach((b, s) -> rows.put(b.toString(), row(b, s.ejected(), s.consecutiveFailures())));
    health.probes().snapshot().forEach((b, p) -> {
      JsonObject r = rows.computeIfAbsent(b.toString(), k -> row(b, false, 0));
      r.put("probe", p.label());
    });
    last = statusNow();
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
        .put("consecutive_failures", failures).put("probe", ProbeStatus.UNKNOWN.label());
  }

  /** The backends of the current table, recomputed only when the table changed. */
  private Set<Backend> backends() {
    RouteTable table = tables.current();
    if (table != backendsOf) {
      tableBackends = table.backends(); // kept by the table as routes change: no walk of its routes
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
