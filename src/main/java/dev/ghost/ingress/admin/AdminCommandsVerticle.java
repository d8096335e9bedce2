package dev.ghost.ingress.admin;

import dev.ghost.ingress.cluster.ClusterTrust;
import dev.ghost.ingress.observe.BusAddresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import dev.ghost.ingress.observe.IngressMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event-bus wiring of {@link AdminCommands} (addresses in {@link BusAddresses}): request/reply consumers for this
 * node, fleet-wide consumers for published mutating commands, and the drain state, broadcast at once on a local
 * change and every 2 s so a node that missed a message or joined later converges. The drain state is also kept in a
 * {@link DrainsFile} beside the state file and restored at start, so it outlives a restart of the whole fleet. Replies are the command's JSON;
 * a refused command fails the message with the HTTP status as code and {@code {"error","detail"}} as message.
 *
 * <p>On a clustered node with a secret every admin message (commands and the drain state) must carry the sender's
 * MAC ({@link ClusterTrust#admit}); one that does not is counted, logged once per reason and sender, failed with 403
 * {@code untrusted_sender} when it expects a reply, and never acted on. This node signs what it publishes.
 */
public final class AdminCommandsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AdminCommandsVerticle.class);
  static final long BROADCAST_MILLIS = 2_000;

  private final String nodeId;
  private final AdminCommands commands;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Path drainsPath;
  private final IngressMetrics metrics;
  private final ClusterTrust trust;
  private DrainsFile drainsFile;
  private String savedDrains;
  private boolean saving;
  private String lastSaveFailure;
  private long timer = -1;

  /**
   * @param drainsPath where the admin drain state is kept across restarts, or null for nowhere
   * @param trust      verifies every admin message before it is acted on, signs what this node publishes
   */
  AdminCommandsVerticle(String nodeId, AdminCommands commands, Path drainsPath, IngressMetrics metrics,
      ClusterTrust trust) {
    this.nodeId = nodeId;
    this.trust = trust;
    this.commands = commands;
    this.drainsPath = drainsPath;
    this.metrics = metrics;
  }

  /** For {@code IngressNode}. */
  public static AdminCommandsVerticle create(String nodeId, dev.ghost.ingress.route.RouteTableRef tables,
      dev.ghost.ingress.proxy.BoundSockets bound, dev.ghost.ingress.proxy.ProxyServices services, NodeState state,
      dev.ghost.ingress.sync.SyncStatus sync, String stateFile,
      java.util.function.Supplier<Future<dev.ghost.ingress.config.ConfigDiff>> reload, ClusterTrust trust) {
    return new AdminCommandsVerticle(nodeId,
        new AdminCommands(nodeId, tables, services, new AdminViews(state, bound, services, sync), reload),
        DrainsFile.beside(stateFile), services.metrics(), trust);
  }

  @Override
  public Future<?> start() {
    drainsFile = drainsPath == null ? null : new DrainsFile(vertx, drainsPath);
    return restoreDrains().compose(v -> register());
  }

  /** Merges the saved drain state like a broadcast from another node: the newest stamp per backend wins. */
  private Future<Void> restoreDrains() {
    if (drainsFile == null) {
      return Future.succeededFuture();
    }
    return drainsFile.read().map(saved -> {
      if (saved.isEmpty()) {
        metrics.drainsFileLoad(DrainsFileOutcome.MISSING.label());
      } else {
        int changed = commands.mergeDrainState(saved);
        metrics.drainsFileLoad(DrainsFileOutcome.OK.label());
        LOG.atInfo().addKeyValue("file", drainsFile.path().toString()).addKeyValue("drained", changed)
            .log("admin drains restored");
      }
      savedDrains = commands.drainState().getJsonArray("entries").encode();
      return (Void) null;
    }).recover(err -> {
      metrics.drainsFileLoad(DrainsFileOutcome.CORRUPT.label());
      LOG.atWarn().addKeyValue("file", drainsFile.path().toString()).addKeyValue("cause", String.valueOf(err))
          .log("admin drains file unreadable; ignored");
      return Future.succeededFuture();
    });
  }

  /** Writes the drain state when it changed since the last write; one write at a time, the latest state wins. */
  private void saveDrains() {
    if (drainsFile == null || saving) {
      return;
    }
    JsonObject state = commands.drainState();
    String entries = state.getJsonArray("entries").encode();
    if (entries.equals(savedDrains)) {
      return;
    }
    saving = true;
    drainsFile.write(state).onComplete(ar -> {
      saving = false;
      if (ar.succeeded()) {
        savedDrains = entries;
        lastSaveFailure = null;
        saveDrains(); // a change that arrived while writing
      } else {
        metrics.drainsFileWriteFailure();
        String cause = String.valueOf(ar.cause());
        if (!cause.equals(lastSaveFailure)) { // retried every broadcast period: log each new cause once
          LOG.atWarn().addKeyValue("file", drainsFile.path().toString()).addKeyValue("cause", cause)
              .log("admin drains file not written; retrying");
        }
        lastSaveFailure = cause;
      }
    });
  }

  private Future<Void> register() {
    List<Future<Void>> registered = new ArrayList<>();
    for (String command : AdminCommands.COMMANDS) {
      registered.add(consume(BusAddresses.adminNode(nodeId, command), m -> run(m, command, m.body())));
    }
    registered.add(consume(BusAddresses.adminNode(nodeId), m -> run(m,
        m.body() instanceof JsonObject j ? j.getString("command") : null, m.body())));
    for (String command : AdminCommands.MUTATING) {
      registered.add(consume(BusAddresses.adminAll(command), m -> run(m, command, m.body())));
    }
    // a node drain is per node: published fleet-wide it would take the whole fleet down at once
    registered.add(consume(BusAddresses.adminAll("drain-node"), m -> m.fail(400, new JsonObject()
        .put("error", "bad_request").put("detail", "drain-node is per node: send it to "
            + BusAddresses.adminNode("<node_id>", "drain-node") + ", one node at a time").encode())));
    registered.add(consume(BusAddresses.ADMIN_DRAINS, m -> {
      if (m.body() instanceof JsonObject state && !nodeId.equals(state.getString("node_id"))) {
        if (commands.mergeDrainState(state) > 0) {
          saveDrains();
        }
      }
    }));
    timer = vertx.setPeriodic(BROADCAST_MILLIS, t -> {
      if (!commands.drains().entries().isEmpty()) {
        broadcast();
      }
      saveDrains(); // retries a failed write, and catches merges that changed only a tombstone
    });
    return Future.all(registered).mapEmpty();
  }

  private Future<Void> consume(String address, io.vertx.core.Handler<Message<Object>> handler) {
    MessageConsumer<Object> c = vertx.eventBus().consumer(address, m -> {
      if (trust.admit(m)) {
        handler.handle(m);
      } else if (m.replyAddress() != null) {
        m.fail(403, new JsonObject().put("error", "untrusted_sender").put("detail",
            "the message does not prove the cluster secret; see ghost_cluster_refusals_total").encode());
      }
    });
    consumers.add(c);
    return c.completion();
  }

  private void run(Message<Object> m, String command, Object body) {
    Future<JsonObject> answer;
    try {
      if (body != null && !(body instanceof JsonObject)) {
        throw new AdminCommands.CommandException(400, "bad_request", "the message body must be a JSON object");
      }
      answer = commands.handleAsync(command, (JsonObject) body);
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onSuccess(reply -> {
      if (command.endsWith("drain-backend")) {
        broadcast();
        saveDrains();
      }
      m.reply(reply);
    }).onFailure(err -> {
      if (err instanceof AdminCommands.CommandException e) {
        m.fail(e.status, e.body().encode());
        return;
      }
      LOG.atError().setCause(err).addKeyValue("command", String.valueOf(command)).log("admin command failed");
      m.fail(500, new JsonObject().put("error", "internal").put("detail", "the command failed; see the node log")
          .encode());
    });
  }

  private void broadcast() {
    JsonObject state = commands.drainState();
    vertx.eventBus().publish(BusAddresses.ADMIN_DRAINS, state,
        trust.sign(new DeliveryOptions(), BusAddresses.ADMIN_DRAINS, nodeId, state));
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.all(consumers.stream().map(c -> (Future<?>) c.unregister()).toList());
  }
}
