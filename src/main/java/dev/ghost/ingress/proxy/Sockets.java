package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.RouteTable;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.spi.metrics.TCPMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The few things the data path needs below Vert.x's {@link NetSocket}: half-close, reset, and the raw addresses.
 * Uses {@code io.vertx.core.internal}, which Vert.x exports but does not promise to keep stable; everything that
 * touches it is in this class.
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
   * Lets the peer's FIN arrive as {@link InputShutdown#FIN} instead of closing the socket. Must run on the
   * socket's event loop before its first read, i.e. in the connect/accept callback.
   */
  static void enableHalfClose(NetSocket socket) {
    Channel ch = channel(socket);
    ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    if (ch.pipeline().get(InputShutdown.HANDLER_NAME) == null) {
      ch.pipeline().addBefore("handler", InputShutdown.HANDLER_NAME, InputShutdown.converter());
    }
  }

  /** Sends FIN after every byte written so far has been flushed. */
  static Future<Void> shutdownOutput(NetSocket socket) {
    return internal(socket).writeMessage(Unpooled.EMPTY_BUFFER).compose(v -> {
      Channel ch = channel(socket);
      Promise<Void> done = Promise.promise();
      if (ch instanceof DuplexChannel duplex && ch.isActive()) {
        duplex.shutdownOutput().addListener(f -> {
          if (f.isSuccess()) {
            done.complete();
          } else {
            done.fail(f.cause());
          }
        });
      } else {
        done.complete();
      }
      return done.future();
    });
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

  /** True when both sockets are served by the same event-loop thread. */
  static boolean sameEventLoop(NetSocket a, NetSocket b) {
    return channel(a).eventLoop() == channel(b).eventLoop();
  }

  /** Closes with RST: SO_LINGER 0 discards unsent data and aborts the connection. */
  static void reset(NetSocket socket) {
    reset(channel(socket));
  }

  /** {@link #reset(NetSocket)} for a channel Vert.x no longer manages. */
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

  /** Sends FIN at once, then closes; for sockets nothing was ever written to (no pending writes to keep). */
  static void finThenClose(NetSocket socket) {
    Channel ch = channel(socket);
    if (ch instanceof DuplexChannel duplex && ch.isActive() && !duplex.isOutputShutdown()) {
      duplex.shutdownOutput().addListener(f -> ch.close());
    } else {
      ch.close();
    }
  }

  static InetSocketAddress localAddress(NetSocket socket) {
    return (InetSocketAddress) channel(socket).localAddress();
  }

  static InetSocketAddress remoteAddress(NetSocket socket) {
    return (InetSocketAddress) channel(socket).remoteAddress();
  }

  /** {@code ::ffff:a.b.c.d} becomes {@code a.b.c.d} (the route table's rule); anything else is returned as is. */
  static InetSocketAddress unwrap(InetSocketAddress address) {
    InetAddress a = RouteTable.unwrap(address.getAddress());
    return a == address.getAddress() ? address : new InetSocketAddress(a, address.getPort());
  }
}
