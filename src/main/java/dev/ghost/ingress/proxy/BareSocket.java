package dev.ghost.ingress.proxy;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A TCP socket on a bare descriptor, registered once with its event loop's epoll and driven from there: what the
 * native data path is made of ({@link ClientSocket} from accept, {@link BackendSocket} from connect, both handed to
 * {@link SpliceRelay} with the same registration). No Netty channel, pipeline or promise is built for it: a channel
 * cost about ten system calls more per socket (options read back, addresses looked up, interest toggled, a second
 * registration for the relay). Level-triggered; confined to its event loop.
 */
abstract class BareSocket implements EpollIoHandle {

  /** Linux {@code EPOLLHUP}: both directions of the socket are shut; never asked for, always reported. */
  static final int EPOLLHUP = 0x010;

  private static final IntConsumer NOTHING = ops -> { };
  /**
   * The interests asked for that combine flags, made once: Netty caches single flags only and builds a new
   * {@link EpollIoOps} (and its event) for every other mask, a few times per connection.
   */
  private static final EpollIoOps READ = EpollIoOps.valueOf(Native.EPOLLIN | Native.EPOLLRDHUP);
  private static final EpollIoOps READ_WRITE =
      EpollIoOps.valueOf(Native.EPOLLIN | Native.EPOLLRDHUP | Native.EPOLLOUT);

  protected final Socket socket;
  protected final IoEventLoop loop;
  private IoRegistration registration;
  private IntConsumer onReady = NOTHING;
  /** Who ends what this socket belongs to when the event loop shuts down under it; null: just close it. */
  private Runnable onLoopClose;
  private boolean closed;
  /** The interest last asked for; 0 (errors and hang-ups only) at registration. */
  private int interest;

  BareSocket(Socket socket, IoEventLoop loop) {
    this.socket = socket;
    this.loop = loop;
  }

  /**
   * Registers with the event loop, then tells {@code done} (null: registered; else why not, and the socket is
   * closed). On the loop itself (always, on the data path) this completes before returning.
   */
  final void register(Consumer<Throwable> done) {
    Future<IoRegistration> f = loop.register(this);
    if (f.isDone()) {
      registered(f, done);
    } else {
      f.addListener(x -> registered(f, done));
    }
  }

  private void registered(Future<IoRegistration> f, Consumer<Throwable> done) {
    if (!f.isSuccess()) {
      close(false);
      done.accept(f.cause());
      return;
    }
    registration = f.getNow();
    if (closed) {
      // closed while registering (the loop shutting down): the registration must not outlive the descriptor
      registration.cancel();
      done.accept(new java.nio.channels.ClosedChannelException());
      return;
    }
    done.accept(null);
  }

  /** From here on, readiness goes to {@code handler}. */
  final void onReady(IntConsumer handler) {
    onReady = handler;
  }

  /**
   * Asks the event loop for {@code ops}; an unchanged interest costs no {@code epoll_ctl}. No interest (0) is asked
   * as {@code EPOLLERR}: the kernel reports errors and hang-ups whatever the mask, so the socket stays watched for
   * them. Netty 4.2.18 takes an empty mask as "leave epoll" ({@code EPOLL_CTL_DEL}) yet answers the next non-empty
   * one with {@code EPOLL_CTL_MOD}, which then fails with {@code ENOENT}; it never sees an empty mask from here.
   */
  final void want(int ops) {
    if (ops != interest && registration != null && registration.isValid()) {
      interest = ops;
      registration.submit(interestOps(ops));
    }
  }

  private static EpollIoOps interestOps(int ops) {
    if (ops == READ.value()) {
      return READ;
    } else if (ops == READ_WRITE.value()) {
      return READ_WRITE;
    }
    return EpollIoOps.valueOf(ops == 0 ? Native.EPOLLERR : ops);
  }

  final Socket socket() {
    return socket;
  }

  /** The event loop this socket is registered with and confined to. */
  public final IoEventLoop loop() {
    return loop;
  }

  final boolean isClosed() {
    return closed;
  }

  @Override
  public final FileDescriptor fd() {
    return socket;
  }

  @Override
  public final void handle(IoRegistration registration, IoEvent event) {
    onReady.accept(((EpollIoEvent) event).ops().value());
  }

  /**
   * Closes with RST when {@code reset}, else with FIN (after what was written). From here on no readiness reaches
   * this socket's handler.
   *
   * <p>The descriptor itself is closed in a task of the event loop, after the batch of readiness events being
   * dispatched: closed at once, its number could be reused by an accept later in the same batch, and an event the
   * kernel reported for the old socket (a hang-up, an error) would then be dispatched to the new one, closing a
   * healthy client. Then it is closed before its registration is cancelled: a closed descriptor has left epoll by
   * itself, so that costs no {@code epoll_ctl}, and both happen in one task.
   */
  final void close(boolean reset) {
    if (closed) {
      return;
    }
    closed = true;
    onReady = NOTHING;
    try {
      if (reset) {
        socket.setSoLinger(0);
      }
    } catch (IOException | RuntimeException ignored) {
      // already broken: a plain close is what is left
    }
    try {
      loop.execute(this::release);
    } catch (RejectedExecutionException shuttingDown) {
      release();
    }
  }

  /**
   * Closes at once, for a listening socket: its address must be free when the call returns (the next bind of the
   * same binding may follow in the same task), and a stale event reaching whatever reuses its number is only a read
   * that finds nothing.
   */
  final void closeAtOnce() {
    if (!closed) {
      closed = true;
      onReady = NOTHING;
      release();
    }
  }

  private void release() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
    if (registration != null) {
      registration.cancel();
    }
  }

  /** When the event loop shuts down under this socket, {@code r} ends what it belongs to (and closes it). */
  final void onLoopClose(Runnable r) {
    onLoopClose = r;
  }

  /** What the event loop calls when it shuts down. */
  @Override
  public final void close() {
    if (onLoopClose != null && !closed) {
      onLoopClose.run();
    }
    close(false);
  }

  /** Reads into {@code buf}'s writable space: bytes read, 0 when there is nothing for now, -1 at end of stream. */
  final int read(io.netty.buffer.ByteBuf buf) throws IOException {
    int n;
    if (buf.hasMemoryAddress()) {
      n = socket.recvAddress(buf.memoryAddress(), buf.writerIndex(), buf.capacity());
    } else {
      java.nio.ByteBuffer nio = buf.internalNioBuffer(buf.writerIndex(), buf.writableBytes());
      n = socket.recv(nio, nio.position(), nio.limit());
    }
    if (n > 0) {
      buf.writerIndex(buf.writerIndex() + n);
    }
    return n;
  }

  /** Writes {@code buf}'s readable bytes as far as the socket takes them now; returns how many (0: none for now). */
  final int write(io.netty.buffer.ByteBuf buf) throws IOException {
    int n;
    if (buf.hasMemoryAddress()) {
      n = socket.sendAddress(buf.memoryAddress(), buf.readerIndex(), buf.writerIndex());
    } else {
      java.nio.ByteBuffer nio = buf.internalNioBuffer(buf.readerIndex(), buf.readableBytes());
      n = socket.send(nio, nio.position(), nio.limit());
    }
    buf.skipBytes(n);
    return n;
  }
}
