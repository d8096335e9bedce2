package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * Relays through the JVM, for transports that cannot splice (NIO, io_uring): one plain handler per channel takes
 * the {@link Peer}'s place ({@link Peer#detach}) and forwards every buffer to the other channel without a copy, on
 * their shared event loop.
 *
 * <p>Same semantics as {@link SpliceRelay}: a side is read only while the other side is writable ({@code autoRead}
 * follows the destination's writability), a FIN is forwarded as a FIN once the bytes before it are flushed, the
 * connection is over when both FINs are forwarded or at the first close, error, idle timeout or abort, and closes
 * with FIN or RST as the reason says. The result completes once both channels are closed.
 */
final class NettyRelay extends RelayLifecycle {

  /** Its label in {@code ghost_relays_total}. */
  static final String KIND = "buffered";
  /** Pipeline name of the relay's handler, where the peer's reader was. */
  static final String HANDLER_NAME = "ghost-relay";

  private Side up;
  private Side down;

  /**
   * @param idleTimeout close after this long without a byte either way; {@link Duration#ZERO} for none
   */
  NettyRelay(Duration idleTimeout) {
    super(idleTimeout);
  }

  /**
   * Starts relaying between two held peers served by the same event loop ({@link Dialer} sees to it).
   *
   * @param clientFinPending the client's FIN arrived before the relay started; forward it after its held bytes
   * @return completes once both sockets are closed
   */
  Future<Result> start(Peer client, Peer backend, boolean clientFinPending) {
    up = new Side(CloseReason.CLIENT_CLOSED);
    down = new Side(CloseReason.BACKEND_CLOSED);
    up.other = down;
    down.other = up;
    up.channel = client.detach(HANDLER_NAME, up);
    down.channel = backend.detach(HANDLER_NAME, down);
    Future<Result> result = begin(up.channel.eventLoop());
    up.channel.closeFuture().addListener(f -> onChannelClosed());
    down.channel.closeFuture().addListener(f -> onChannelClosed());
    // what was read while dialing, then the FIN read while sniffing, then the backend's first bytes
    client.consumeWith(up::onMessage);
    if (clientFinPending) {
      up.forwardFin();
    }
    backend.consumeWith(down::onMessage);
    up.flushOther();
    down.flushOther();
    if (!up.channel.isActive()) {
      up.sourceClosed();
    } else if (!down.channel.isActive()) {
      down.sourceClosed();
    }
    up.startReading();
    down.startReading();
    return result;
  }

  private void maybeCompleted() {
    if (up.finForwarded && down.finForwarded) {
      finish(CloseReason.COMPLETED);
    }
  }

  /**
   * FIN: after what was written is flushed, as Vert.x's close does; but a channel whose peer stopped reading (not
   * writable: a full write queue) is closed at once, its queued bytes dropped, so that a stalled peer cannot keep
   * the connection (and its accounting) open forever. RST: at once, unsent bytes discarded.
   */
  @Override
  protected void closeBoth(CloseReason.CloseAction action) {
    close(up.channel, action);
    close(down.channel, action);
  }

  @Override
  protected long bytesFromClient() {
    return up.bytes;
  }

  @Override
  protected long bytesFromBackend() {
    return down.bytes;
  }

  private static void close(Channel ch, CloseReason.CloseAction action) {
    if (action == CloseReason.CloseAction.RST) {
      Sockets.reset(ch);
    } else if (ch.isActive() && ch.isWritable()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ch.close());
    } else {
      ch.close();
    }
  }

  /**
   * The handler on one channel: reads from it (the source) and writes to the other side's channel (the
   * destination). Also tells the other side when this channel can take more bytes.
   */
  private final class Side extends ChannelInboundHandlerAdapter {
    private final CloseReason sourceClosedReason;
    private Side other;
    private Channel channel;
    private long bytes;
    private boolean pendingFlush;
    private boolean finSeen;
    private boolean finForwarded;

    Side(CloseReason sourceClosedReason) {
      this.sourceClosedReason = sourceClosedReason;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      onMessage(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      flushOther();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      other.readIfOtherWritable();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        onMessage(InputShutdown.FIN);
      } else {
        // Vert.x's server shutdown event among others: the connection's end is ours to decide
        ReferenceCountUtil.release(evt);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      sourceClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable error) {
      sourceFailed(error);
    }

    void onMessage(Object msg) {
      if (finished()) {
        ReferenceCountUtil.release(msg);
      } else if (msg instanceof ByteBuf buf) {
        forward(buf);
      } else if (msg == InputShutdown.FIN) {
        flushOther();
        forwardFin();
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    private void forward(ByteBuf buf) {
      bytes += buf.readableBytes();
      idle.touch();
      Channel destination = other.channel;
      destination.write(buf, destination.voidPromise());
      pendingFlush = true;
      if (!destination.isWritable()) {
        channel.config().setAutoRead(false);
      }
    }

    void flushOther() {
      if (pendingFlush) {
        pendingFlush = false;
        other.channel.flush();
      }
    }

    /** After the hand-over from Vert.x: reads on only for a side still open whose destination can take bytes. */
    void startReading() {
      channel.config().setAutoRead(!finished() && !finSeen && other.channel.isWritable());
    }

    /** Reads this side while its destination can take bytes; a write-blocked destination resumes it later. */
    void readIfOtherWritable() {
      if (!finished() && !finSeen) {
        channel.config().setAutoRead(other.channel.isWritable());
      }
    }

    void forwardFin() {
      if (finSeen) {
        return;
      }
      finSeen = true;
      Channel destination = other.channel;
      destination.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
        if (!flushed.isSuccess()) {
          finFailed();
        } else if (other.finForwarded) {
          // The last FIN: the connection is complete and closing the destination sends this FIN. Skips a
          // shutdown syscall and the exception Netty builds (with its stack trace) for every output shutdown.
          finForwarded();
        } else if (destination instanceof DuplexChannel duplex && destination.isActive()) {
          duplex.shutdownOutput().addListener(shut -> {
            if (shut.isSuccess()) {
              finForwarded();
            } else {
              finFailed();
            }
          });
        } else {
          finForwarded();
        }
      });
    }

    private void finForwarded() {
      finForwarded = true;
      maybeCompleted();
    }

    private void finFailed() {
      finish(RelayEndings.finNotForwarded(other.finSeen));
    }

    void sourceClosed() {
      finish(sourceClosedReason);
    }

    void sourceFailed(Throwable error) {
      finish(RelayEndings.afterError(error, finSeen, other.finSeen, sourceClosedReason));
    }
  }
}
