package dev.ghost.ingress.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Binds through Vert.x's shared TCP servers, for every transport but native epoll: the instances' servers for one
 * address share one listening socket, and Vert.x hands each accepted connection to one of them, which takes it away
 * from Vert.x at once ({@link Peer#accepted}).
 */
final class VertxBinder implements Listening.Binder {

  /** The shared-ephemeral key of route port 0: negative, and out of the range of real route ports. */
  private static final int SHARED_EPHEMERAL_ROUTE_PORT_0 = -65536;

  private final Vertx vertx;
  private final Supplier<NetServerOptions> options;
  /** Per released binding: the shared server let go of, which must be gone before binding the address again. */
  private final Map<Binding, Future<Object>> releasing = new HashMap<>();

  /** @param options the server options in force (read at each bind) */
  VertxBinder(Vertx vertx, Supplier<NetServerOptions> options) {
    this.vertx = vertx;
    this.options = options;
  }

  @Override
  public Future<Listening> open(Binding b, Consumer<Downstream> accepted) {
    NetServer server = vertx.createNetServer(options.get())
        .connectHandler(socket -> accepted.accept(Peer.accepted(socket)));
    int port = listenPort(b);
    Future<Object> released = releasing.remove(b);
    Future<Void> ready = released == null ? Future.succeededFuture() : released.compose(left -> left == null
        ? Future.succeededFuture()
        : Sockets.awaitSharedServerGone(vertx, Sockets.sharedServerId(port, b.host()), left));
    return ready.compose(v -> server.listen(port, b.host())).map(s -> new Listening() {
      @Override
      public int port() {
        return s.actualPort();
      }

      @Override
      public Future<Void> close(long graceMs) {
        return s.shutdown(graceMs, TimeUnit.MILLISECONDS);
      }
    });
  }

  /**
   * The shared server is looked up before letting go of it: the next bind of {@code b} waits until it is gone. A
   * {@link NetServer#close()} would also close every connection the server accepted; a shutdown closes the listening
   * socket at once and leaves those connections for the grace period.
   */
  @Override
  public Future<Void> close(Binding b, Future<Listening> opening, long graceMs) {
    Promise<Object> left = Promise.promise();
    releasing.put(b, left.future());
    return opening.compose(l -> {
      left.tryComplete(Sockets.sharedServer(vertx, Sockets.sharedServerId(listenPort(b), b.host())));
      return l.close(graceMs);
    }).onComplete(ar -> left.tryComplete(null));
  }

  /**
   * A negative port makes every instance share one ephemeral port per (host, route port); route port 0 needs a key
   * of its own, since -0 is 0 and each instance would bind (and log) a different port.
   */
  private static int listenPort(Binding b) {
    if (b.bindPort() != 0) {
      return b.bindPort();
    }
    return b.routePort() == 0 ? SHARED_EPHEMERAL_ROUTE_PORT_0 : -b.routePort();
  }
}
