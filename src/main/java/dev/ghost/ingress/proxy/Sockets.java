package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.RouteTable;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollIoHandler;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.spi.metrics.TCPMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The few things the data path needs below Vert.x: a context's Netty event loop, taking an accepted channel away
 * from Vert.x, reset, and the raw addresses. Uses {@code io.vertx.core.internal}, which Vert.x exports but does not
 * promise to keep stable; everything that touches it is in this class.
 */
final class Sockets {

  private Sockets() {}

  static NetSocketInternal internal(NetSocket socket) {
    return (NetSocketInternal) socket;
  }

  static Channel channel(NetSocket socket) {
    return internal(socket).channelHandlerContext().channel();
  }

  /**
   * Takes the channel away from Vert.x without closing it: what Vert.x read but still queued (the socket was paused)
   * goes to the socket's message handler first, then Vert.x's handler in the pipeline is replaced by
   * {@code replacement} (named {@code name}), so nothing in Vert.x refers to the channel's traffic any more and the
   * socket object, its queues and handlers become garbage. {@code autoRead} is left as Vert.x had it (nothing is read
   * before the caller returns to the event loop); the caller sets it, so that reads are not turned off and on again
   * (each an {@code epoll_ctl}). Must run on the channel's event loop.
   *
   * <p>Vert.x's TCP metrics see the socket as disconnected from here on: its bytes are counted by the caller.
   * Writes Vert.x still queued (only possible on a socket that was not writable) would be lost; the data path
   * writes to a socket before handing it over only right after connect, when it is writable.
   */
  static Channel detach(NetSocket socket, String name, ChannelHandler replacement) {
    NetSocketInternal s = internal(socket);
    ChannelHandlerContext vertxContext = s.channelHandlerContext();
    Channel ch = vertxContext.channel();
    s.resume();
    if (s instanceof ConnectionBase connection && connection.metrics() instanceof TCPMetrics<?> metrics) {
      reportDisconnected(metrics, connection);
    }
    if (ch.pipeline().get(CHUNKED_WRITER) != null) {
      // only there without native transport, for file writes the relay never does
      ch.pipeline().remove(CHUNKED_WRITER);
    }
    ch.pipeline().replace(vertxContext.handler(), name, replacement);
    return ch;
  }

  private static final String CHUNKED_WRITER = "chunkedWriter";

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void reportDisconnected(TCPMetrics metrics, ConnectionBase connection) {
    metrics.disconnected(connection.metric(), connection.remoteAddress());
  }

  /** Closes with RST: SO_LINGER 0 discards unsent data and aborts the connection. */
  static void reset(Channel ch) {
    if (ch.isOpen()) {
      try {
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
      } catch (RuntimeException ignored) {
        // already closing; a plain close is the best left to do
      }
      ch.close();
    }
  }

  /** The native epoll event loop behind a Vert.x context, or null on any other transport. */
  static IoEventLoop epollLoop(Context context) {
    EventLoop loop = ((ContextInternal) context).nettyEventLoop();
    return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class) ? io : null;
  }

  /** {@code ::ffff:a.b.c.d} becomes {@code a.b.c.d} (the route table's rule); anything else is returned as is. */
  static InetSocketAddress unwrap(InetSocketAddress address) {
    InetAddress a = RouteTable.unwrap(address.getAddress());
    return a == address.getAddress() ? address : new InetSocketAddress(a, address.getPort());
  }
}
