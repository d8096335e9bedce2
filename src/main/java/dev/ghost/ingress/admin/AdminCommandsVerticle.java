package dev.ghost.ingress.admin;

import dev.ghost.ingress.observe.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event-bus wiring of {@link AdminCommands} (addresses in {@link BusAddresses}): request/reply consumers for this
 * node, fleet-wide consumers for published mutating commands, and the drain state, broadcast at once on a local
 * change and every 2 s so a node that missed a message or joined later converges. Replies are the command's JSON;
 * a refused command fails the message with the HTTP status as code and {@code {"error","detail"}} as message.
 */
public final class AdminCommandsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AdminCommandsVerticle.class);
  static final long BROADCAST_MILLIS = 2_000;

  private final String nodeId;
  private final AdminCommands commands;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long timer = -1;

  AdminCommandsVerticle(String nodeId, AdminCommands commands) {
    this.nodeId = nodeId;
    this.commands = commands;
  }

  /** For {@code IngressNode}. */
  public static AdminCommandsVerticle create(String nodeId, dev.ghost.ingress.route.RouteTableRef tables,
      dev.ghost.ingress.proxy.BoundSockets bound, dev.ghost.ingress.proxy.ProxyServices services, NodeState state,
      dev.ghost.ingress.sync.SyncStatus sync) {
    return create(nodeId, tables, bound, services, state, sync, null);
  }

  /**
   * For {@code IngressNode}, with {@code reload-config} wired to {@code reload} (null: the node has no config file).
   */
  public static AdminCommandsVerticle create(String nodeId, dev.ghost.ingress.route.RouteTableRef tables,
      dev.ghost.ingress.proxy.BoundSockets bound, dev.ghost.ingress.proxy.ProxyServices services, NodeState state,
      dev.ghost.ingress.sync.SyncStatus sync,
      java.util.function.Supplier<Future<dev.ghost.ingress.config.ConfigDiff>> reload) {
    return new AdminCommandsVerticle(nodeId,
        new AdminCommands(nodeId, tables, services, new AdminViews(state, bound, services, sync), reload));
  }

  @Override
  public Future<?> start() {
    List<Future<Void>> registered = new ArrayList<>();
    for (String command : AdminCommands.COMMANDS) {
      registered.add(consume(BusAddresses.adminNode(nodeId, command), m -> run(m, command, m.body())));
    }
    registered.add(consume(BusAddresses.adminNode(nodeId), m -> run(m,
        m.body() instanceof JsonObject j ? j.getString("command") : null, m.body())));
    for (String command : AdminCommands.MUTATING) {
      registered.add(consume(BusAddresses.adminAll(command), m -> run(m, command, m.body())));
    }
    registered.add(consume(BusAddresses.ADMIN_DRAINS, m -> {
      if (m.body() instanceof JsonObject state && !nodeId.equals(state.getString("node_id"))) {
        commands.mergeDrainState(state);
      }
    }));
    timer = vertx.setPeriodic(BROADCAST_MILLIS, t -> {
      if (!commands.drains().entries().isEmpty()) {
        broadcast();
      }
    });
    return Future.all(registered);
  }

  private Future<Void> consume(String address, io.vertx.core.Handler<Message<Object>> handler) {
    MessageConsumer<Object> c = vertx.eventBus().consumer(address, handler);
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
    vertx.eventBus().publish(BusAddresses.ADMIN_DRAINS, commands.drainState());
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.all(consumers.stream().map(c -> (Future<?>) c.unregister()).toList());
  }
}
