package dev.ghost.ingress.proxy;

import io.vertx.core.Future;

/** One listening socket of a listener instance, however its transport binds it. */
interface Listening {

  /** The port bound. */
  int port();

  /**
   * Stops accepting at once; connections already accepted are left to end on their own.
   *
   * @param graceMs how long the transport may keep them before closing them itself (Vert.x's servers do)
   */
  Future<Void> close(long graceMs);

  /** How a listener instance binds its sockets: one way per transport. Confined to the instance's event loop. */
  interface Binder {
    /** Binds {@code b}; every accepted client goes to {@code accepted}, on this instance's event loop. */
    Future<Listening> open(Binding b, java.util.function.Consumer<Downstream> accepted);

    /**
     * Closes what {@code opening} (the result of {@link #open} for {@code b}) bound, once it is bound; the next
     * {@link #open} of {@code b} waits as long as the transport needs the address to be free again.
     */
    Future<Void> close(Binding b, Future<Listening> opening, long graceMs);
  }
}
