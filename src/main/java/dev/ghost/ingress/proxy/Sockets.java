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
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.ServerID;
import io.vertx.core.spi.metrics.TCPMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The few things the data path needs below Vert.x: a context's Netty event loop, taking an accepted channel away
 * from Vert.x, the shared server behind a listen address, reset, and the raw addresses. Uses
 * {@code io.vertx.core.internal} and {@code io.vertx.core.net.impl}, which Vert.x does not promise to keep stable:
 * this is the only class of the project that touches them, and {@code SocketsIT} pins each behaviour relied on.
 */
public final class Sockets {

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

  /** Every event loop of {@code vertx} (the lag probe visits each one). */
  public static io.netty.channel.EventLoopGroup eventLoops(Vertx vertx) {
    return ((VertxInternal) vertx).eventLoopGroup();
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

  // ---- Vert.x's shared listening servers (the transports other than native epoll)

  private static final long SHARED_POLL_MS = 5;
  private static final long SHARED_GIVE_UP_MS = 2_000;

  /**
   * The key Vert.x shares listening servers under for a listen call with this port and host. Vert.x shares one
   * listening socket between the servers of all listener instances; when the last of them lets go the socket closes
   * asynchronously, and until it has, a new server for the same address attaches to the dying socket and never
   * accepts anything. So a binder that released an address waits ({@link #awaitSharedServerGone}) before binding it
   * again.
   */
  static ServerID sharedServerId(int listenPort, String host) {
    return listenPort < 0 ? new ServerID(listenPort, host + "/" + -listenPort) : new ServerID(listenPort, host);
  }

  /** The shared server currently behind {@code id}, or null. */
  static Object sharedServer(Vertx vertx, ServerID id) {
    var servers = ((VertxInternal) vertx).sharedTcpServers();
    synchronized (servers) {
      return servers.get(id);
    }
  }

  /**
   * Completes, on the caller's context, once the shared server behind {@code id} is no longer {@code left} (closed
   * and dropped, or replaced), or after a bound wait.
   */
  static Future<Void> awaitSharedServerGone(Vertx vertx, ServerID id, Object left) {
    Promise<Void> gone = Promise.promise();
    long deadline = System.nanoTime() + SHARED_GIVE_UP_MS * 1_000_000;
    pollShared(vertx, id, left, deadline, gone);
    return gone.future();
  }

  private static void pollShared(Vertx vertx, ServerID id, Object left, long deadline, Promise<Void> gone) {
    if (sharedServer(vertx, id) != left || System.nanoTime() > deadline) {
      gone.complete();
    } else {
      vertx.setTimer(SHARED_POLL_MS, t -> pollShared(vertx, id, left, deadline, gone));
    }
  }
}
