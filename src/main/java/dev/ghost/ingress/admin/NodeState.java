package dev.ghost.ingress.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The node's lifecycle as the admin API reports it. Thread-safe.
 */
public final class NodeState {

  /** Lifecycle phases; only {@link #SERVING} is ready. */
  public enum Phase { STARTING, SERVING, DRAINING }

  private final String nodeId;
  private final String version;
  private final Instant startedAt = Instant.now();
  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STARTING);
  private volatile Supplier<JsonObject> clusterView = () -> new JsonObject().put("enabled", false)
      .putNull("name").putNull("members").putNull("node_id");

  private volatile Supplier<Future<JsonObject>> fleetView;
  private volatile Supplier<Future<JsonObject>> healthView;
  private volatile Supplier<JsonObject> drainView;
  private volatile NodeDrainer nodeDrainer;

  public NodeState(String nodeId, String version) {
    this.nodeId = nodeId;
    this.version = version;
  }

  public String nodeId() {
    return nodeId;
  }

  public String version() {
    return version;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public Phase phase() {
    return phase.get();
  }

  public void phase(Phase next) {
    phase.set(next);
  }

  /** The {@code cluster} object of {@code /v1/status}: enabled, name, members, node_id (the cluster node id). */
  public JsonObject clusterJson() {
    return clusterView.get();
  }

  public void clusterView(Supplier<JsonObject> view) {
    this.clusterView = view;
  }

  /** The {@code /v1/fleet} view of a clustered node that shares routing state; null otherwise. */
  public Supplier<Future<JsonObject>> fleetView() {
    return fleetView;
  }

  public void fleetView(Supplier<Future<JsonObject>> view) {
    this.fleetView = view;
  }

  /** The {@code /v1/fleet/health} matrix (every node has one once its health verticle runs); null before. */
  public Supplier<Future<JsonObject>> healthView() {
    return healthView;
  }

  public void healthView(Supplier<Future<JsonObject>> view) {
    this.healthView = view;
  }

  /** The fleet-wide open connections per draining backend ({@code "draining"} of {@code /v1/fleet}); null before. */
  public Supplier<JsonObject> drainView() {
    return drainView;
  }

  public void drainView(Supplier<JsonObject> view) {
    this.drainView = view;
  }

  /** Starts the node's graceful drain (the admin "drain node" command); null until the node has started. */
  public NodeDrainer nodeDrainer() {
    return nodeDrainer;
  }

  public void nodeDrainer(NodeDrainer drainer) {
    this.nodeDrainer = drainer;
  }
}
