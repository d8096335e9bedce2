package dev.ghost.ingress.proxy;


/**
 * The peer's FIN, carried in-band with the data.
 *
 * <p>With {@code ALLOW_HALF_CLOSURE} Netty reports a FIN as a user event. {@link Peer} turns it into this message, so
 * that a FIN held between sniffing and relaying stays behind every byte read before it.
 */
final class InputShutdown {

  /** The message that stands for "the peer sent FIN". */
  static final InputShutdown FIN = new InputShutdown();

  private InputShutdown() {}

  @Override
  public String toString() {
    return "FIN";
  }
}
