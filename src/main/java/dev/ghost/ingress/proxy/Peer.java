package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.net.NetSocket;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One side of a proxied connection on a transport other than native epoll, on its raw Netty channel: read as
 * messages (Netty {@link ByteBuf}s and {@link InputShutdown#FIN}), so bytes are forwarded without a copy and a FIN
 * stays in order with them.
 *
 * <p>An accepted socket leaves Vert.x at once ({@link #accepted}); a backend socket never enters it
 * ({@link Dialer}). Messages go to the current consumer; while there is none (between sniffing and relaying) reads
 * are off and what was already read waits in a small queue.
 */
final class Peer implements Downstream {

  /** Pipeline name of the reader. */
  static final String HANDLER_NAME = "ghost-peer";

  private final Channel channel;
  private final Reader reader = new Reader();
  private final ArrayDeque<Object> held = new ArrayDeque<>(2);
  private Consumer<Object> consumer;
  private Runnable onGone;
  private boolean gone;

  private Peer(Channel channel) {
    this.channel = channel;
  }

  /**
   * Takes an accepted socket away from Vert.x ({@link Sockets#detach}). Must run in the accept callback on the
   * socket's event loop, before its first read.
   */
  static Peer accepted(NetSocket socket) {
    Peer peer = new Peer(Sockets.channel(socket));
    peer.channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    // what Vert.x may already have queued arrives through its message handler during the hand-over
    Sockets.internal(socket).messageHandler(peer::onMessage);
    Sockets.detach(socket, HANDLER_NAME, peer.reader);
    peer.channel.config().setAutoRead(false);
    return peer;
  }

  /** Adopts a connected backend channel (reads off, half-closure on: {@link Dialer}'s options). */
  static Peer connected(Channel channel) {
    Peer peer = new Peer(channel);
    channel.pipeline().replace(Dialer.PLACEHOLDER, HANDLER_NAME, peer.reader);
    return peer;
  }

  private void onMessage(Object msg) {
    Consumer<Object> c = consumer;
    if (c != null) {
      c.accept(msg);
    } else {
      held.add(msg);
    }
  }

  /** Routes every held and future message to {@code c}, in order, and reads. */
  @Override
  public void consumeWith(Consumer<Object> c) {
    consumer = c;
    Object msg;
    while (consumer == c && (msg = held.poll()) != null) {
      c.accept(msg);
    }
    if (consumer == c && channel.pipeline().get(HANDLER_NAME) == reader) {
      channel.config().setAutoRead(true);
    }
  }

  /** Stops consuming and reading; what still arrives from a read under way is held. */
  @Override
  public void hold() {
    consumer = null;
    channel.config().setAutoRead(false);
  }

  /** Runs once when the channel closes or fails (a close also follows a read error). */
  @Override
  public void onGone(Runnable r) {
    onGone = r;
  }

  /**
   * Hands the channel over to {@code handler} (a relay), which takes the reader's place: from here on this peer is
   * only its queue of held messages, which {@link #consumeWith} then delivers. Reads stay as they were; the relay
   * sets them.
   */
  Channel detach(String name, ChannelHandler handler) {
    consumer = null;
    channel.pipeline().replace(reader, name, handler);
    return channel;
  }

  Channel channel() {
    return channel;
  }

  /** Writes, flushes and transfers ownership of {@code buf}. */
  void write(ByteBuf buf) {
    channel.writeAndFlush(buf, channel.voidPromise());
  }

  /** Like {@link #write(ByteBuf)}, and runs {@code onFailure} on the event loop if the write fails. */
  void write(ByteBuf buf, Runnable onFailure) {
    channel.writeAndFlush(buf).addListener(f -> {
      if (!f.isSuccess()) {
        onFailure.run();
      }
    });
  }

  /** Closes a channel nothing was relayed on: FIN or RST as {@code action} says. */
  void close(CloseReason.CloseAction action) {
    releaseHeld();
    if (action == CloseReason.CloseAction.RST) {
      Sockets.reset(channel);
    } else {
      channel.close();
    }
  }

  @Override
  public void refuse(CloseReason.CloseAction action) {
    releaseHeld();
    if (action == CloseReason.CloseAction.RST) {
      Sockets.reset(channel);
    } else if (channel instanceof DuplexChannel duplex && channel.isActive() && !duplex.isOutputShutdown()) {
      duplex.shutdownOutput().addListener(f -> channel.close());
    } else {
      channel.close();
    }
  }

  @Override
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return (InetSocketAddress) channel.remoteAddress();
  }

  @Override
  public EventLoop loop() {
    return channel.eventLoop();
  }

  @Override
  public ByteBufAllocator alloc() {
    return channel.alloc();
  }

  private void releaseHeld() {
    Object msg;
    while ((msg = held.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void gone() {
    if (!gone) {
      gone = true;
      if (onGone != null) {
        onGone.run();
      }
    }
  }

  /** Reads for the peer until a relay takes its place; the FIN event becomes the in-band {@link InputShutdown#FIN}. */
  private final class Reader extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      onMessage(msg);
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
      gone();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      gone();
    }
  }
}
