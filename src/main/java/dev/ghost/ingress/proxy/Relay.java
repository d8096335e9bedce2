package dev.ghost.ingress.proxy;

/**
 * Moves bytes both ways between a client and a backend until both directions are finished, with backpressure and
 * half-close. From its start on, a relay owns both sockets and closes them; its start completes with a
 * {@link Result} once both are closed. Each relay starts from what its transport gives it: {@link SpliceRelay} from
 * two bare sockets ({@link ClientSocket}, {@link BackendSocket}), {@link NettyRelay} from two channels.
 *
 * <p>Byte counts and the close reason come out of the relay, not out of Vert.x metrics.
 */
interface Relay {

  /** Ends the connection now with this reason (deadlines, shutdown). The result future then completes. */
  void abort(CloseReason reason);

  /**
   * What happened.
   *
   * @param bytesFromClient  bytes read from the client and written upstream during the relay
   * @param bytesFromBackend bytes read from the backend and written to the client
   * @param reason           why it ended
   * @param preambleLost     the backend did not take in full the bytes the relay was started with (the PROXY
   *                         header and the sniffed hello): written by the splice relay only, false otherwise
   */
  record Result(long bytesFromClient, long bytesFromBackend, CloseReason reason, boolean preambleLost) {}
}
