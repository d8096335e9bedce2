package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.IpLiterals;
import dev.ghost.ingress.route.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Dials backends on the client's own event loop, so that the two sockets of a connection always share a thread,
 * which both relays need: a bare descriptor ({@link BackendSocket}) for the splice relay on native epoll, else a plain
 * Netty channel of the client's own type. No Vert.x socket is built for either. Host names are resolved off
 * the event loop; IP literals (every control-plane instance) are parsed in place. TCP_NODELAY is the channels' own
 * default (Netty enables it wherever the platform allows), so it is not set a second time. Confined to one event
 * loop.
 */
final class Dialer implements BackendDialer {

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

  @Override
  public void dial(Backend backend, Channel client, int timeoutMs, boolean keepAlive,
      BiConsumer<Channel, Throwable> done) {
    Bootstrap b = bootstrap(client, timeoutMs, keepAlive);
    resolve(backend, client.eventLoop(), address -> b.connect(address).addListener((ChannelFuture f) ->
        done.accept(f.isSuccess() ? f.channel() : null, f.cause())), cause -> done.accept(null, cause));
  }

  @Override
  public void dialSocket(Backend backend, IoEventLoop loop, int timeoutMs, boolean keepAlive,
      BiConsumer<BackendSocket, Throwable> done) {
    resolve(backend, loop, address -> BackendSocket.connect(loop, address, timeoutMs, keepAlive, done),
        cause -> done.accept(null, cause));
  }

  /** The backend's address, at once for an IP literal, else looked up on a worker; either way answered on loop. */
  private void resolve(Backend backend, EventLoop loop, Consumer<InetSocketAddress> found, Consumer<Throwable> failed) {
    InetSocketAddress literal = literal(backend);
    if (literal != null) {
      found.accept(literal);
      return;
    }
    vertx.<InetAddress>executeBlocking(() -> InetAddress.getByName(backend.host()), false).onComplete(ar ->
        loop.execute(() -> {
          if (ar.succeeded()) {
            found.accept(new InetSocketAddress(ar.result(), backend.port()));
          } else {
            failed.accept(ar.cause());
          }
        }));
  }

  /** The backend's address when its host is an IP literal (no lookup), else null. */
  static InetSocketAddress literal(Backend backend) {
    InetAddress address = literalAddress(backend.host());
    return address == null ? null : new InetSocketAddress(address, backend.port());
  }

  /** {@code host} as an address when it is an IP literal (no lookup), else null. */
  static InetAddress literalAddress(String host) {
    return IpLiterals.address(host);
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
