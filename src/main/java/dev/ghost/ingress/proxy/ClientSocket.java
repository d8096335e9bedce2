package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * An accepted client on a bare descriptor ({@link NativeListener}), registered once on the event loop that accepted
 * it and read from there until {@link SpliceRelay} takes it over with the same registration.
 *
 * <p>Reading is asked for only while a consumer reads (sniffing). A hold costs no system call: the interest is
 * dropped lazily, only if the client sends while held, so the usual connection (hello, then silence until the
 * backend answers) never toggles it.
 */
final class ClientSocket extends BareSocket implements Downstream {

  /** Bytes asked of one read: a post-quantum browser hello (about 2 KB) and its record headers in one. */
  private static final int READ_SIZE = 4096;
  private static final int READ_OPS = Native.EPOLLIN | Native.EPOLLRDHUP;
  /** Reads one readiness event may do before the loop serves other connections (level-triggered: it returns). */
  private static final int READS_PER_EVENT = 4;

  private final InetSocketAddress remote;
  private final InetSocketAddress local;
  private final ByteBufAllocator alloc;
  private Consumer<Object> consumer;
  private Runnable onGone;
  private boolean eof;
  private boolean gone;

  /**
   * @param socket the accepted descriptor (non-blocking)
   * @param remote the client's address, from accept
   * @param local  the address it reached
   */
  ClientSocket(Socket socket, IoEventLoop loop, InetSocketAddress remote, InetSocketAddress local,
      ByteBufAllocator alloc) {
    super(socket, loop);
    this.remote = remote;
    this.local = local;
    this.alloc = alloc;
    onReady(this::onEvent);
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public InetSocketAddress localAddress() {
    return local;
  }

  @Override
  public ByteBufAllocator alloc() {
    return alloc;
  }

  @Override
  public void onGone(Runnable r) {
    onGone = r;
  }

  @Override
  public void consumeWith(Consumer<Object> c) {
    consumer = c;
    if (!eof) {
      want(READ_OPS);
    }
  }

  @Override
  public void hold() {
    consumer = null;
  }

  private void onEvent(int ops) {
    if (consumer != null) {
      read();
    } else if ((ops & (Native.EPOLLERR | EPOLLHUP)) != 0) {
      // reset or failed while held: nothing will be relayed
      gone();
    } else {
      // the client sent more while held: it waits in the socket for the relay, which asks for reads again
      want(0);
    }
  }

  private void read() {
    for (int i = 0; i < READS_PER_EVENT && consumer != null && !eof && !gone; i++) {
      ByteBuf buf = alloc.directBuffer(READ_SIZE);
      int n;
      try {
        n = read(buf);
      } catch (IOException | RuntimeException e) {
        buf.release();
        gone();
        return;
      }
      if (n <= 0) {
        buf.release();
        if (n < 0) {
          eof = true;
          // end of stream stays readable for ever: stop asking, only errors and hang-ups are reported now
          want(0);
          consumer.accept(InputShutdown.FIN);
        }
        return;
      }
      consumer.accept(buf);
      if (n < READ_SIZE) {
        // the socket had less than asked: readiness says when there is more
        return;
      }
    }
  }

  private void gone() {
    if (!gone) {
      gone = true;
      consumer = null;
      if (onGone != null) {
        onGone.run();
      }
    }
  }

  @Override
  public void refuse(CloseReason.CloseAction action) {
    consumer = null;
    if (action == CloseReason.CloseAction.FIN && !gone) {
      try {
        socket.shutdown(false, true);
      } catch (IOException | RuntimeException ignored) {
        // already reset: the close below is all there is
      }
    }
    close(action == CloseReason.CloseAction.RST);
  }
}
