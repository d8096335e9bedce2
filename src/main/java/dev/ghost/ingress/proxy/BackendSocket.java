package dev.ghost.ingress.proxy;

import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.IntConsumer;

/**
 * A backend connection on a bare descriptor, for the splice relay on native epoll: created, connected and
 * registered on the client's event loop once, then handed to {@link SpliceRelay} with the same registration. No
 * Netty channel, pipeline or promise is built for it (a channel cost about ten system calls more per connection:
 * socket options read back, addresses looked up, interest toggled, and the relay's re-registration).
 */
final class BackendSocket implements EpollIoHandle {

  private final Socket socket;
  private final IoEventLoop loop;
  private IoRegistration registration;
  private IntConsumer onReady = ops -> { };
  private boolean closed;
  /** The interest last asked for; 0 (errors and hang-ups only) at registration. */
  private int interest;

  private BackendSocket(Socket socket, IoEventLoop loop) {
    this.socket = socket;
    this.loop = loop;
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
      b = new BackendSocket(Socket.newSocketStream(), loop);
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
      b.close();
      done.accept(null, e);
      return;
    }
    b.register(connected, address, timeoutMs, done);
  }

  private void register(boolean connected, InetSocketAddress address, int timeoutMs,
      BiConsumer<BackendSocket, Throwable> done) {
    loop.register(this).addListener(f -> {
      if (!f.isSuccess()) {
        close();
        done.accept(null, f.cause());
        return;
      }
      registration = (IoRegistration) f.getNow();
      if (connected) {
        done.accept(this, null);
        return;
      }
      ScheduledFuture<?> timeout = loop.schedule(() -> fail(done, new ConnectTimeoutException(
          "connection timed out after " + timeoutMs + " ms: " + address)), timeoutMs, TimeUnit.MILLISECONDS);
      onReady = ops -> finishConnect(done, timeout);
      want(Native.EPOLLOUT);
    });
  }

  private void finishConnect(BiConsumer<BackendSocket, Throwable> done, ScheduledFuture<?> timeout) {
    try {
      if (!socket.finishConnect()) {
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
    onReady = ops -> { };
    want(Native.EPOLLIN | Native.EPOLLRDHUP);
    done.accept(this, null);
  }

  private void fail(BiConsumer<BackendSocket, Throwable> done, Throwable cause) {
    if (!closed) {
      close();
      done.accept(null, cause);
    }
  }

  /** From here on, readiness goes to {@code handler}. */
  void onReady(IntConsumer handler) {
    onReady = handler;
  }

  /** Asks the event loop for {@code ops}; an unchanged interest costs no {@code epoll_ctl}. */
  void want(int ops) {
    if (ops != interest && registration != null && registration.isValid()) {
      interest = ops;
      registration.submit(EpollIoOps.valueOf(ops));
    }
  }

  Socket socket() {
    return socket;
  }

  @Override
  public FileDescriptor fd() {
    return socket;
  }

  @Override
  public void handle(IoRegistration registration, IoEvent event) {
    onReady.accept(((EpollIoEvent) event).ops().value());
  }

  /**
   * Closes with RST when {@code reset}, else with FIN (after what was written). The descriptor closes before its
   * registration is cancelled: a closed descriptor has left epoll by itself, so that costs no {@code epoll_ctl}.
   */
  void close(boolean reset) {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (reset) {
        socket.setSoLinger(0);
      }
    } catch (IOException | RuntimeException ignored) {
      // already broken: a plain close is what is left
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
    if (registration != null) {
      registration.cancel();
    }
  }

  /** Closes with FIN; also what the event loop calls when it shuts down. */
  @Override
  public void close() {
    close(false);
  }
}
