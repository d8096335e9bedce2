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
import java.util.Comparator;
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
 * <p>It diffs the backends that are ejected or probe-down against the last view every {@value #POLL_MS} ms and
 * publishes when a backend was ejected or restored (or the route table changed); a probe verdict change is published
 * at once (the prober's change listener triggers the same diff). A view also goes out every {@value #PERIODIC_MS} ms
 * regardless, so a lost message heals. A view lists every backend of the current route table plus any backend still
 * in the ejection state, or, compact, only those that are not healthy and the digest of the rest
 * ({@link HealthViews}): while all is healthy, neither the diff nor the periodic view grows with the number of
 * backends. Everything runs on this verticle's context; nothing blocks (the member list of the cluster manager is a
 * local read).
 */
public final class HealthVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HealthVerticle.class);
  /** Period of the snapshot diff. */
  public static final long POLL_MS = 500;
  /** Period of the view sent regardless of changes (full or compact: {@link HealthViews}). */
  public static final long PERIODIC_MS = 2_000;
  /** Backends in the order the view lists them. */
  private static final Comparator<Backend> BY_ADDRESS = Comparator.comparing(Backend::toString);

  private final String nodeId;
  private final BackendHealth health;
  private final RouteTableRef tables;
  private final ClusterManager cluster;
  private final HealthMatrix matrix;
  private final HealthViews views;
  /** Members seen publishing under this node's id: logged once each. */
  private final Set<String> sameIdMembers = new HashSet<>();
  private MessageConsumer<JsonObject> consumer;
  private Map<Backend, Status> last = Map.of();
  private RouteTable backendsOf;

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
    this.views = new HealthViews(nodeId);
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(BusAddresses.HEALTH_VIEW, msg -> {
      if (msg.body() != null && nodeId.equals(msg.body().getValue("node_id"))) {
        noticeSameId(msg.body().getValue("member"));
        return; // our own, taken when it was published
      }
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
   * restored, or went probe-down or up. Only backends that are not healthy are looked at (the ejected and the
   * probe-down now, and those of the last view), so the diff costs nothing that grows with the healthy backends.
   */
  private void poll() {
    Map<Backend, Status> now = statusNow();
    JsonArray changed = new JsonArray();
    now.forEach((b, st) -> {
      if (!st.equals(last.getOrDefault(b, Status.HEALTHY))) {
        changed.add(st.change(b.toString()));
      }
    });
    last.forEach((b, st) -> {
      if (!now.containsKey(b)) {
        changed.add(Status.HEALTHY.change(b.toString(), probeLabel(b))); // restored, or forgotten with its route
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
      return change(backend, probe);
    }

    JsonObject change(String backend, String probeLabel) {
      return new JsonObject().put("backend", backend).put("ejected", ejected).put("probe", probeLabel);
    }
  }

  /** Backends that are ejected or probe-down, by address: the only ones a view says are not healthy. */
  private Map<Backend, Status> statusNow() {
    Map<Backend, Status> out = new TreeMap<>(BY_ADDRESS);
    health.snapshot().forEach((b, s) -> {
      if (s.ejected()) {
        out.put(b, new Status(true, false, probeLabel(b)));
      }
    });
    for (Backend b : health.probes().down()) {
      out.put(b, new Status(out.containsKey(b), true, ProbeStatus.DOWN.label()));
    }
    return out;
  }

  /** The backend's probe verdict as the view labels it. */
  private String probeLabel(Backend backend) {
    return health.probes().status(backend).label();
  }

  private void publish(String reason, List<?> changed) {
    refreshTable();
    last = statusNow();
    long at = System.currentTimeMillis();
    JsonObject view = views.view(reason, changed, member(), at, health.snapshot(), health.probes());
    matrix.accept(view, at); // our own view does not depend on the bus
    vertx.eventBus().publish(BusAddresses.HEALTH_VIEW, view);
    if (!changed.isEmpty()) {
      LOG.atInfo().addKeyValue("node_id", nodeId).addKeyValue("changed", view.getJsonArray("changed").encode())
          .log("health: backend status changed");
    }
  }

  /** Tells the view builder about the current table's backends when the table changed since the last view. */
  private void refreshTable() {
    RouteTable table = tables.current();
    if (table != backendsOf) {
      views.table(table.backends()); // kept by the table as routes change: no walk of its routes
      backendsOf = table;
    }
  }

  /**
   * A view under this node's id from another cluster member: two nodes share the id (a copied config), so the
   * fleet's health matrix shows one of them; an ERROR once per such member, in a fleet with or without a control
   * plane (the bus is the fleet's own: only a secret holder publishes on it).
   */
  private void noticeSameId(Object fromMember) {
    String own = member();
    if (fromMember instanceof String other && own != null && !other.equals(own) && sameIdMembers.add(other)) {
      LOG.atError().addKeyValue("node_id", nodeId).addKeyValue("member", other)
          .log("health: another member publishes health views under this node's id; give every node its own");
    }
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
