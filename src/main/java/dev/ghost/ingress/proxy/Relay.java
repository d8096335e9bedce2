package dev.ghost.ingress.proxy;

import io.vertx.core.Future;

/**
 * Moves bytes both ways between a client and a backend until both directions are finished, with backpressure and
 * half-close. From {@link #start} on, the relay owns both sockets and closes them.
 *
 * <p>Kept small on purpose: a zero-copy (splice) relay can replace the pipe relay without the connection state
 * machine noticing. Byte counts and the close reason come out of the relay, not out of Vert.x metrics.
 */
interface Relay {

  /**
   * Starts relaying. Both peers are held (paused, not consuming) and on the same event loop.
   *
   * @param clientFinPending the client's FIN arrived before the relay started; forward it after its held bytes
   * @return completes once both sockets are closed
   */
  Future<Result> start(Peer client, Peer backend, boolean clientFinPending);

  /** Ends the connection now with this reason (deadlines, shutdown). The result future then completes. */
  void abort(CloseReason reason);

  /**
   * What happened.
   *
   * @param bytesFromClient  bytes read from the client and written upstream during the relay
   * @param bytesFromBackend bytes read from the backend and written to the client
   * @param reason           why it ended
   */
  record Result(long bytesFromClient, long bytesFromBackend, CloseReason reason) {}
}
