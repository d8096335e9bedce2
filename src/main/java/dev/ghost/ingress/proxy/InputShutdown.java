package dev.ghost.ingress.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * The peer's FIN, carried in-band with the data.
 *
 * <p>With {@code ALLOW_HALF_CLOSURE} Netty reports a FIN as a user event, and Vert.x hands user events to the
 * socket at once while it queues data for a paused socket. A FIN could then overtake bytes still queued. This
 * handler sits in front of Vert.x's handler and turns the event into a message, so the FIN reaches the relay in
 * order, after every byte read before it.
 */
final class InputShutdown {

  /** The message that stands for "the peer sent FIN". */
  static final InputShutdown FIN = new InputShutdown();

  /** Pipeline name of the converter. */
  static final String HANDLER_NAME = "ghost-input-shutdown";

  private static final ChannelHandler CONVERTER = new Converter();

  private InputShutdown() {}

  /** The stateless converter; shareable across channels. */
  static ChannelHandler converter() {
    return CONVERTER;
  }

  @ChannelHandler.Sharable
  private static final class Converter extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.fireChannelRead(FIN);
        ctx.fireChannelReadComplete();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }
  }

  @Override
  public String toString() {
    return "FIN";
  }
}
