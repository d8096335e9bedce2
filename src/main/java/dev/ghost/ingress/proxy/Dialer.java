package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.NetUtil;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.function.BiConsumer;

/**
 * Dials backends with plain Netty channels on the client's own event loop, of the client's own channel type (native
 * epoll where the listener is): the two sockets of a connection then always share a thread, which both relays need,
 * and no Vert.x socket is built for a channel that Vert.x would only hand over again. Host names are resolved off
 * the event loop; IP literals (every control-plane instance) are parsed in place. TCP_NODELAY is the channels' own
 * default (Netty enables it wherever the platform allows), so it is not set a second time. Confined to one event
 * loop.
 */
final class Dialer {

  /** Stands in the pipeline of a dialled channel until {@link Peer#connected} puts its reader there. */
  static final ChannelHandler PLACEHOLDER = new Placeholder();

  private final Vertx vertx;
  /** Reused while the loop, channel type and options stay the same (they change only with a reload). */
  private Bootstrap bootstrap;
  private EventLoop bootstrapLoop;
  private Class<? extends Channel> bootstrapType;
  private int bootstrapTimeoutMs;
  private boolean bootstrapKeepAlive;

  /** @param vertx for resolving host names on a worker */
  Dialer(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Connects to {@code backend} from {@code client}'s event loop; {@code done} gets the channel (reads off, half
   * closure on) or the cause, on that loop.
   */
  void dial(Backend backend, Channel client, int timeoutMs, boolean keepAlive, BiConsumer<Channel, Throwable> done) {
    Bootstrap b = bootstrap(client, timeoutMs, keepAlive);
    InetSocketAddress literal = literal(backend);
    if (literal != null) {
      connect(b, literal, done);
      return;
    }
    EventLoop loop = client.eventLoop();
    vertx.<InetAddress>executeBlocking(() -> InetAddress.getByName(backend.host()), false).onComplete(ar ->
        loop.execute(() -> {
          if (ar.succeeded()) {
            connect(b, new InetSocketAddress(ar.result(), backend.port()), done);
          } else {
            done.accept(null, ar.cause());
          }
        }));
  }

  private static void connect(Bootstrap b, InetSocketAddress address, BiConsumer<Channel, Throwable> done) {
    b.connect(address).addListener((ChannelFuture f) -> done.accept(f.isSuccess() ? f.channel() : null, f.cause()));
  }

  /** The backend's address when its host is an IP literal (no lookup), else null. */
  static InetSocketAddress literal(Backend backend) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(backend.host());
    if (bytes == null) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(bytes), backend.port());
    } catch (UnknownHostException impossible) {
      // getByAddress fails only for a wrong length, which a parsed literal never has
      return null;
    }
  }

  private Bootstrap bootstrap(Channel client, int timeoutMs, boolean keepAlive) {
    EventLoop loop = client.eventLoop();
    Class<? extends Channel> type = client.getClass();
    if (bootstrap == null || bootstrapLoop != loop || bootstrapType != type || bootstrapTimeoutMs != timeoutMs
        || bootstrapKeepAlive != keepAlive) {
      bootstrap = new Bootstrap().group(loop).channel(type)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMs)
          .option(ChannelOption.SO_KEEPALIVE, keepAlive)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .handler(PLACEHOLDER);
      bootstrapLoop = loop;
      bootstrapType = type;
      bootstrapTimeoutMs = timeoutMs;
      bootstrapKeepAlive = keepAlive;
    }
    return bootstrap;
  }

  @ChannelHandler.Sharable
  private static final class Placeholder extends ChannelInboundHandlerAdapter {}
}
