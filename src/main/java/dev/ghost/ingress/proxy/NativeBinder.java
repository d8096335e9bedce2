package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.unix.Socket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.util.function.Consumer;

/**
 * Binds on native epoll: each instance opens its own listening socket for a binding ({@link ReusePortSockets}) and
 * accepts on its own event loop ({@link NativeListener}). Closing is immediate and synchronous, so a binding can be
 * bound again at once.
 */
final class NativeBinder implements Listening.Binder {

  private final Vertx vertx;
  private final IoEventLoop loop;
  private final ReusePortSockets sockets;
  private final ProxyContext proxy;

  NativeBinder(Vertx vertx, IoEventLoop loop, ReusePortSockets sockets, ProxyContext proxy) {
    this.vertx = vertx;
    this.loop = loop;
    this.sockets = sockets;
    this.proxy = proxy;
  }

  @Override
  public Future<Listening> open(Binding b, Consumer<Downstream> accepted) {
    return resolve(b.host()).compose(address -> {
      Socket socket;
      try {
        socket = sockets.open(b, address, proxy.settings().tcpKeepAlive());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
      NativeListener listener = new NativeListener(socket, loop, b.label(), ByteBufAllocator.DEFAULT,
          accepted::accept, () -> proxy.metrics().acceptFailure(b.label()));
      Promise<Listening> started = Promise.promise();
      listener.start(failed -> {
        if (failed != null) {
          sockets.closed(b);
          started.fail(failed);
        } else {
          started.complete(listening(b, listener));
        }
      });
      return started.future();
    });
  }

  private Listening listening(Binding b, NativeListener listener) {
    return new Listening() {
      @Override
      public int port() {
        return listener.port();
      }

      @Override
      public Future<Void> close(long graceMs) {
        listener.closeAtOnce();
        sockets.closed(b);
        return Future.succeededFuture();
      }
    };
  }

  @Override
  public Future<Void> close(Binding b, Future<Listening> opening, long graceMs) {
    return opening.compose(l -> l.close(graceMs));
  }

  /** An IP literal at once; a host name is looked up on a worker. */
  private Future<InetAddress> resolve(String host) {
    InetAddress literal = Dialer.literalAddress(host);
    if (literal != null) {
      return Future.succeededFuture(literal);
    }
    return vertx.executeBlocking(() -> InetAddress.getByName(host), false);
  }
}
