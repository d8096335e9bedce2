package dev.ghost.ingress.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.impl.ServerID;

/**
 * Guards re-binding a listening socket that was just released.
 *
 * <p>Vert.x shares one listening socket between the servers of all listener instances. When the last of them lets
 * go, the socket closes asynchronously, and until it has, a new server for the same address attaches to the dying
 * socket and never accepts anything. So an instance that released a binding remembers the shared server it left and
 * waits, before binding again, until Vert.x has dropped that server. Uses Vert.x internals; all of it is here.
 */
final class SharedListeners {

  private static final long POLL_MS = 5;
  private static final long GIVE_UP_MS = 2_000;

  private SharedListeners() {}

  /** The key Vert.x shares listeners under, for a listen call with this port and host. */
  static ServerID id(int listenPort, String host) {
    return listenPort < 0 ? new ServerID(listenPort, host + "/" + -listenPort) : new ServerID(listenPort, host);
  }

  /** The shared server currently behind {@code id}, or null. */
  static Object current(Vertx vertx, ServerID id) {
    var servers = ((VertxInternal) vertx).sharedTcpServers();
    synchronized (servers) {
      return servers.get(id);
    }
  }

  /**
   * Completes, on the caller's context, once the shared server behind {@code id} is no longer {@code left} (closed
   * and dropped, or replaced), or after a bound wait.
   */
  static Future<Void> awaitGone(Vertx vertx, ServerID id, Object left) {
    Promise<Void> gone = Promise.promise();
    long deadline = System.nanoTime() + GIVE_UP_MS * 1_000_000;
    poll(vertx, id, left, deadline, gone);
    return gone.future();
  }

  private static void poll(Vertx vertx, ServerID id, Object left, long deadline, Promise<Void> gone) {
    if (current(vertx, id) != left || System.nanoTime() > deadline) {
      gone.complete();
    } else {
      vertx.setTimer(POLL_MS, t -> poll(vertx, id, left, deadline, gone));
    }
  }
}
