package dev.ghost.ingress.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.vertx.core.Future;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
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
      if (ch instanceof DuplexChannel duplex && ch.isActive()) {
        return Future.fromCompletionStage(toStage(duplex.shutdownOutput()));
      }
      return Future.succeededFuture();
    });
  }

  private static java.util.concurrent.CompletionStage<Void> toStage(io.netty.channel.ChannelFuture f) {
    java.util.concurrent.CompletableFuture<Void> cf = new java.util.concurrent.CompletableFuture<>();
    f.addListener(x -> {
      if (x.isSuccess()) {
        cf.complete(null);
      } else {
        cf.completeExceptionally(x.cause());
      }
    });
    return cf;
  }

  /** Closes with RST: SO_LINGER 0 discards unsent data and aborts the connection. */
  static void reset(NetSocket socket) {
    Channel ch = channel(socket);
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

  /** Closes with FIN after pending writes are flushed. */
  static void close(NetSocket socket) {
    socket.close();
  }

  static InetSocketAddress localAddress(NetSocket socket) {
    return (InetSocketAddress) channel(socket).localAddress();
  }

  static InetSocketAddress remoteAddress(NetSocket socket) {
    return (InetSocketAddress) channel(socket).remoteAddress();
  }

  /** {@code ::ffff:a.b.c.d} becomes {@code a.b.c.d}; anything else is returned as is. */
  static InetAddress unwrap(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length != 16) {
      return address;
    }
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return address;
      }
    }
    if ((b[10] & 0xff) != 0xff || (b[11] & 0xff) != 0xff) {
      return address;
    }
    try {
      return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  static InetSocketAddress unwrap(InetSocketAddress address) {
    InetAddress a = unwrap(address.getAddress());
    return a == address.getAddress() ? address : new InetSocketAddress(a, address.getPort());
  }
}
