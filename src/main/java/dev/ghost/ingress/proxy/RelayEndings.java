package dev.ghost.ingress.proxy;

/**
 * How a relay ends, the same for every {@link Relay}: which {@link CloseReason} and close action a failure on one
 * side means. Pure; the relays only report what they saw.
 */
final class RelayEndings {

  /**
   * A relay's end.
   *
   * @param reason why the connection ended
   * @param action how both sockets are closed
   */
  record Ending(CloseReason reason, CloseReason.CloseAction action) {
    /** The reason with its own close action. */
    static Ending of(CloseReason reason) {
      return new Ending(reason, reason.action());
    }
  }

  private RelayEndings() {}

  /**
   * A read or write error on one side.
   *
   * @param error        what failed
   * @param finSeen      this side had already sent its FIN
   * @param otherFinSeen the other side had already sent its FIN
   * @param sourceClosed this side's "closed" reason (client or backend)
   */
  static Ending afterError(Throwable error, boolean finSeen, boolean otherFinSeen, CloseReason sourceClosed) {
    if (finSeen) {
      // An error after this side's FIN (typically a reset once it closed fully) is how many peers end
      return Ending.of(otherFinSeen ? CloseReason.COMPLETED : sourceClosed);
    }
    if (isReset(error)) {
      // The peer aborted: that is its way of closing, and the abort is passed on to the other side
      return new Ending(sourceClosed, CloseReason.CloseAction.RST);
    }
    return Ending.of(CloseReason.IO_ERROR);
  }

  /**
   * Forwarding a FIN to a side failed. A peer that already sent its own FIN may have closed fully: failing to send
   * it ours ends nothing early.
   */
  static Ending finNotForwarded(boolean otherFinSeen) {
    return Ending.of(otherFinSeen ? CloseReason.COMPLETED : CloseReason.IO_ERROR);
  }

  /** True when the error is the peer's reset (or a write into a socket it reset). */
  static boolean isReset(Throwable error) {
    if (error instanceof java.nio.channels.NotYetConnectedException) {
      // ENOTCONN on a socket that was connected: the peer's reset was already reported once (SO_ERROR is read once)
      return true;
    }
    String message = String.valueOf(error.getMessage());
    return message.contains("reset") || message.contains("Broken pipe");
  }
}
