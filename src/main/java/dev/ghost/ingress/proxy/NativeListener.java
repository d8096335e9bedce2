package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.NativeInetAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening socket of one listener instance on native epoll ({@link ReusePortSockets}), accepting on the
 * instance's own event loop: each accepted descriptor becomes a {@link ClientSocket} registered on that loop and
 * goes to the connection handler in the same task. Confined to its event loop.
 *
 * <p>When accepting fails for lack of resources (descriptors, memory), the listener stops asking for a while and
 * counts it, rather than spinning on a socket that stays readable; connections wait in the backlog meanwhile.
 */
final class NativeListener extends BareSocket {

  private static final Logger LOG = LoggerFactory.getLogger(NativeListener.class);
  /** Connections one readiness event accepts before the loop serves others (level-triggered: it returns). */
  private static final int ACCEPTS_PER_EVENT = 64;
  /** How long accepting pauses after a failure for lack of resources. */
  static final long PAUSE_MS = 100;
  private static final int ECONNABORTED = 103;

  /** Filled by accept: a length byte, the address, the IPv6 scope id, the port (Netty's layout). */
  private final byte[] accepted = new byte[26];
  private final String label;
  /** The address every connection reaches, or null for a wildcard, where each asks its own. */
  private final InetSocketAddress sameLocal;
  private final ByteBufAllocator alloc;
  private final Consumer<ClientSocket> onAccepted;
  private final Runnable onAcceptFailure;
  private boolean paused;

  /**
   * @param socket          a bound, listening, non-blocking socket
   * @param label           the listener's label, for the log
   * @param onAccepted      gets each accepted, registered client
   * @param onAcceptFailure counts an accept that failed for lack of resources
   */
  NativeListener(Socket socket, IoEventLoop loop, String label, ByteBufAllocator alloc,
      Consumer<ClientSocket> onAccepted, Runnable onAcceptFailure) {
    super(socket, loop);
    this.label = label;
    InetSocketAddress bound = socket.localAddress();
    this.sameLocal = bound.getAddress().isAnyLocalAddress() ? null : bound;
    this.alloc = alloc;
    this.onAccepted = onAccepted;
    this.onAcceptFailure = onAcceptFailure;
    onReady(ops -> acceptSome());
  }

  /** The port bound. */
  int port() {
    return socket.localAddress().getPort();
  }

  /** Starts accepting; {@code done} gets null, or why it could not (the socket is then closed). */
  void start(Consumer<Throwable> done) {
    register(failed -> {
      if (failed == null) {
        want(Native.EPOLLIN);
      }
      done.accept(failed);
    });
  }

  private void acceptSome() {
    for (int i = 0; i < ACCEPTS_PER_EVENT && !isClosed(); i++) {
      int fd;
      try {
        fd = socket.accept(accepted);
      } catch (IOException | RuntimeException e) {
        if (!aborted(e)) {
          pause(e);
          return;
        }
        continue;
      }
      if (fd < 0) {
        return;
      }
      adopt(fd);
    }
  }

  private void adopt(int fd) {
    Socket s = new Socket(fd);
    InetSocketAddress remote = NativeInetAddress.address(accepted, 1, accepted[0]);
    InetSocketAddress local = sameLocal != null ? sameLocal : s.localAddress();
    ClientSocket client = new ClientSocket(s, loop, remote, local, alloc);
    client.register(failed -> {
      if (failed == null) {
        onAccepted.accept(client);
      } else {
        onAcceptFailure.run();
      }
    });
  }

  /** The client gave up between the handshake and the accept: nothing to pause for. */
  private static boolean aborted(Throwable e) {
    return e instanceof Errors.NativeIoException n && n.expectedErr() == -ECONNABORTED;
  }

  private void pause(Throwable e) {
    onAcceptFailure.run();
    if (paused) {
      return;
    }
    paused = true;
    want(0);
    LOG.atWarn().addKeyValue("listener", label).addKeyValue("pause_ms", PAUSE_MS)
        .log("accept failed, pausing: " + e.getMessage());
    loop.schedule(() -> {
      paused = false;
      if (!isClosed()) {
        want(Native.EPOLLIN);
      }
    }, PAUSE_MS, TimeUnit.MILLISECONDS);
  }
}
