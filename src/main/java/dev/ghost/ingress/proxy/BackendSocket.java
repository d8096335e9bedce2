package dev.ghost.ingress.proxy;

import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A backend connection on a bare descriptor, for the splice relay on native epoll: created, connected and registered
 * on the client's event loop once, then handed to {@link SpliceRelay} with the same registration.
 */
final class BackendSocket extends BareSocket {

  private BackendSocket(Socket socket, IoEventLoop loop) {
    super(socket, loop);
  }

  /**
   * Connects to {@code address} from {@code loop}; {@code done} gets the connected socket or the cause (refused:
   * a {@link java.net.ConnectException}; no answer within {@code timeoutMs}: a {@link ConnectTimeoutException}), on
   * that loop. Must be called on {@code loop}.
   */
  static void connect(IoEventLoop loop, InetSocketAddress address, int timeoutMs, boolean keepAlive,
      BiConsumer<BackendSocket, Throwable> done) {
    BackendSocket b;
    boolean connected;
    try {
      b = new BackendSocket(StreamSockets.of(address.getAddress()), loop);
    } catch (RuntimeException e) {
      done.accept(null, e);
      return;
    }
    try {
      b.socket.setTcpNoDelay(true);
      if (keepAlive) {
        b.socket.setKeepAlive(true);
      }
      connected = b.socket.connect(address);
    } catch (IOException | RuntimeException e) {
      b.close(false);
      done.accept(null, e);
      return;
    }
    b.register(failed -> {
      if (failed != null) {
        done.accept(null, failed);
      } else if (connected) {
        done.accept(b, null);
      } else {
        b.awaitConnect(address, timeoutMs, done);
      }
    });
  }

  private void awaitConnect(InetSocketAddress address, int timeoutMs, BiConsumer<BackendSocket, Throwable> done) {
    ScheduledFuture<?> timeout = loop.schedule(() -> fail(done, new ConnectTimeoutException(
        "connection timed out after " + timeoutMs + " ms: " + address)), timeoutMs, TimeUnit.MILLISECONDS);
    onReady(ops -> finishConnect(ops, done, timeout));
    want(Native.EPOLLOUT);
  }

  private void finishConnect(int ops, BiConsumer<BackendSocket, Throwable> done, ScheduledFuture<?> timeout) {
    try {
      // writable without an error or hang-up is a completed connect; only a failure needs SO_ERROR read for its cause
      if ((ops & (Native.EPOLLERR | EPOLLHUP)) != 0 && !socket.finishConnect()) {
        return;
      }
    } catch (IOException | RuntimeException e) {
      timeout.cancel(false);
      fail(done, e);
      return;
    }
    timeout.cancel(false);
    // what the relay asks for first (it takes over in this same task, before any event can come): one epoll_ctl
    // fewer than clearing the interest here and setting it there
    onReady(ignored -> { });
    want(Native.EPOLLIN | Native.EPOLLRDHUP);
    done.accept(this, null);
  }

  private void fail(BiConsumer<BackendSocket, Throwable> done, Throwable cause) {
    if (!isClosed()) {
      close(false);
      done.accept(null, cause);
    }
  }
}
