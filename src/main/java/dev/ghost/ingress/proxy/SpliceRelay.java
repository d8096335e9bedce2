package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.Errors;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Duration;

/**
 * Relays with the kernel's {@code splice(2)}: bytes go from one socket into a pipe and from the pipe into the other
 * socket without ever entering the JVM, so a bulk transfer costs two system calls per 64 KiB and no copy.
 *
 * <p>Both sockets are bare descriptors registered on the connection's event loop since accept and connect
 * ({@link ClientSocket}, {@link BackendSocket}); the relay takes over their readiness, level-triggered. Netty's own
 * {@code spliceTo} is not used: when a FIN arrives it shuts the input down after one splice, even if more bytes are
 * still queued in the socket (they would be lost), and it cannot count bytes.
 *
 * <p>Netty's native calls report {@code ENOTCONN} (a socket the peer reset, read a second time) as the unchecked
 * {@code NotYetConnectedException}; every native call here catches it with the checked errors.
 *
 * <p>Semantics are {@link NettyRelay}'s: a direction reads only while its pipe is empty (the pipe, 64 KiB, is the
 * whole buffer, and a full destination stops the source), a FIN is forwarded as a FIN after every byte before it,
 * the connection is over when both FINs are forwarded or at the first close, error, idle timeout or abort, and the
 * ending follows {@link RelayEndings}. The result completes once both sockets are closed.
 */
final class SpliceRelay extends RelayLifecycle {

  /** Its label in {@code ghost_relays_total}. */
  static final String KIND = "splice";

  /** Bytes asked of one splice into the pipe: the default pipe's capacity. */
  private static final int CHUNK = 64 * 1024;
  /** Chunks one readiness event may move before the loop serves other connections (level-triggered: it returns). */
  private static final int CHUNKS_PER_EVENT = 16;
  private static final int READ_OPS = Native.EPOLLIN | Native.EPOLLRDHUP;
  private static final int GONE_OPS = Native.EPOLLERR | BareSocket.EPOLLHUP;

  private final Pipes pipes;
  private BareSocket client;
  private BareSocket backend;
  private Way up;
  private Way down;

  /**
   * @param idleTimeout close after this long without a byte either way; {@link Duration#ZERO} for none
   * @param pipes       the event loop's pipe pool
   */
  SpliceRelay(Duration idleTimeout, Pipes pipes) {
    super(idleTimeout);
    this.pipes = pipes;
  }

  /**
   * Starts relaying between an accepted client, held, and a backend connected on the same event loop.
   *
   * @param preamble         bytes that go to the backend first (the PROXY v2 header and the sniffed hello), or null
   * @param clientFinPending the client's FIN arrived before the relay started; forward it after the preamble
   * @return completes once both sockets are closed
   */
  Future<Result> start(ClientSocket clientSocket, BackendSocket backendSocket, ByteBuf preamble,
      boolean clientFinPending) {
    client = clientSocket;
    backend = backendSocket;
    up = new Way(client, backend, CloseReason.CLIENT_CLOSED);
    down = new Way(backend, client, CloseReason.BACKEND_CLOSED);
    Future<Result> result = begin(client.loop());
    client.onReady(ops -> onReadySafely(client, ops));
    backend.onReady(ops -> onReadySafely(backend, ops));
    client.onLoopClose(() -> abort(CloseReason.IO_ERROR));
    backend.onLoopClose(() -> abort(CloseReason.IO_ERROR));
    if (preamble != null) {
      up.first(preamble);
    }
    if (clientFinPending) {
      up.finHeld = true;
    }
    if (up.holds()) {
      up.pump();
    }
    if (!finished()) {
      updateInterest();
    }
    return result;
  }

  private void onReadySafely(BareSocket e, int ops) {
    try {
      onReady(e, ops);
    } catch (RuntimeException unexpected) {
      // nothing may escape into the event loop: Netty logs it and pauses the whole loop for a second
      finish(CloseReason.IO_ERROR);
    }
  }

  private void onReady(BareSocket e, int ops) {
    if (finished()) {
      return;
    }
    Way in = e == client ? down : up;   // into e
    Way out = e == client ? up : down;  // out of e
    if ((ops & (Native.EPOLLOUT | GONE_OPS)) != 0 && in.inPipe > 0) {
      in.drain();
      if (!finished() && in.inPipe == 0 && in.holds()) {
        in.pump();
      }
    }
    if (!finished() && (ops & (READ_OPS | GONE_OPS)) != 0) {
      if ((ops & (Native.EPOLLRDHUP | BareSocket.EPOLLHUP)) != 0) {
        out.rdHup = true;
      }
      out.pump();
    }
    if (!finished() && (ops & GONE_OPS) != 0 && out.eof && in.inPipe == 0) {
      // nothing left to read from e and nothing waiting for it, yet it reports an error or a full hang-up
      onGone(e, out);
    }
    if (!finished()) {
      updateInterest();
    }
  }

  /** The socket failed or was closed under an idle direction: its error if it has one, else its close. */
  private void onGone(BareSocket e, Way out) {
    int err;
    try {
      err = e.socket().getSoError();
    } catch (IOException | RuntimeException unreadable) {
      err = 0;
    }
    if (err != 0) {
      out.sourceFailed(Errors.newIOException("SO_ERROR", -err));
    } else {
      finish(out.sourceClosed);
    }
  }

  private void updateInterest() {
    client.want((up.reading() ? READ_OPS : 0) | (down.inPipe > 0 ? Native.EPOLLOUT : 0));
    backend.want((down.reading() ? READ_OPS : 0) | (up.inPipe > 0 ? Native.EPOLLOUT : 0));
  }

  private void maybeCompleted() {
    if (up.finForwarded && down.finForwarded) {
      finish(CloseReason.COMPLETED);
    }
  }

  /**
   * FIN: a plain close (what was spliced is already in the kernel's send queue, which a close still delivers);
   * bytes left in a pipe are dropped, as {@link NettyRelay} drops what a stalled peer did not take. RST: at once.
   */
  @Override
  protected void closeBoth(CloseReason.CloseAction action) {
    up.releasePipe();
    down.releasePipe();
    boolean reset = action == CloseReason.CloseAction.RST;
    client.close(reset);
    backend.close(reset);
    onChannelClosed();
    onChannelClosed();
  }

  @Override
  protected long bytesFromClient() {
    return up.bytes;
  }

  @Override
  protected boolean preambleLost() {
    return up.preambleLeft > 0;
  }

  @Override
  protected long bytesFromBackend() {
    return down.bytes;
  }

  /** One direction: from a source socket through a pipe to a destination socket. */
  private final class Way {
    final BareSocket from;
    final BareSocket to;
    final CloseReason sourceClosed;
    /** What of the preamble the destination did not take at once; null when none (the usual case). */
    private ByteBuf pending;
    private Pipes.Pipe pipe;
    int inPipe;
    long bytes;
    /** The source reported a hang-up: a splice that moves nothing now means end of stream, not "try later". */
    boolean rdHup;
    /** The source's FIN was read. */
    boolean eof;
    boolean finForwarded;
    /** The source's FIN was read before the relay: forwarded once the preamble is out. */
    boolean finHeld;
    /** Preamble bytes not yet in the destination socket; they go first, so the pipe's first bytes are theirs. */
    long preambleLeft;

    Way(BareSocket from, BareSocket to, CloseReason sourceClosed) {
      this.from = from;
      this.to = to;
      this.sourceClosed = sourceClosed;
    }

    private Way other() {
      return this == up ? down : up;
    }

    boolean reading() {
      return !eof && inPipe == 0 && !holds();
    }

    /** Bytes or a FIN read before the splicing started are still to be moved. */
    boolean holds() {
      return pending != null || finHeld;
    }

    /**
     * Bytes that go before everything else and are not the source's (the PROXY header, the sniffed hello): written
     * to the fresh destination at once, one system call, and moved through the pipe only as far as it did not take
     * them.
     */
    void first(ByteBuf buf) {
      preambleLeft = buf.readableBytes();
      try {
        preambleLeft -= to.write(buf);
      } catch (IOException | RuntimeException e) {
        // the destination failed already: the pipe meets the same error and ends the relay with its reason
      }
      if (buf.isReadable()) {
        pending = buf;
      } else {
        buf.release();
      }
    }

    /**
     * The source is readable (or hung up), or bytes are held: moves what there is, a bounded number of chunks per
     * event. Held bytes go into the pipe first, so they reach the destination before anything spliced.
     */
    void pump() {
      for (int i = 0; i < CHUNKS_PER_EVENT && !eof && inPipe == 0 && !finished(); i++) {
        int n;
        boolean fromSocket;
        try {
          if (pending == null && finHeld) {
            finHeld = false;
            onEof();
            return;
          }
          if (pipe == null) {
            pipe = pipes.take();
          }
          fromSocket = pending == null;
          if (fromSocket) {
            n = Native.splice(from.socket().intValue(), -1, pipe.in().intValue(), -1, CHUNK);
            bytes += n;
          } else {
            n = fillFromPending();
          }
        } catch (IOException | RuntimeException e) {
          sourceFailed(e);
          return;
        }
        if (n == 0) {
          // the pipe is empty here, so nothing moved means the socket has nothing: for now, or for good
          if (rdHup) {
            onEof();
          }
          return;
        }
        inPipe += n;
        idle.touch();
        drain();
        if (fromSocket ? n < CHUNK && !rdHup : !holds()) {
          // the socket gave less than asked (or the held bytes are all out): readiness says when there is more
          return;
        }
      }
    }

    /** Writes what is left of the preamble into the (empty) pipe, as much as it takes. */
    private int fillFromPending() throws IOException {
      ByteBuf buf = pending;
      int n;
      if (buf.hasMemoryAddress()) {
        n = pipe.in().writeAddress(buf.memoryAddress(), buf.readerIndex(), buf.writerIndex());
      } else {
        java.nio.ByteBuffer nio = buf.internalNioBuffer(buf.readerIndex(), buf.readableBytes());
        n = pipe.in().write(nio, nio.position(), nio.limit());
      }
      buf.skipBytes(n);
      if (!buf.isReadable()) {
        pending = null;
        buf.release();
      }
      return n;
    }

    /** Moves what is in the pipe into the destination, as far as it takes it. */
    void drain() {
      int n;
      try {
        n = Native.splice(pipe.out().intValue(), -1, to.socket().intValue(), -1, inPipe);
      } catch (IOException | RuntimeException e) {
        other().sourceFailed(e);
        return;
      }
      inPipe -= n;
      if (preambleLeft > 0) {
        preambleLeft -= Math.min(preambleLeft, n);
      }
      if (inPipe == 0) {
        pipes.give(pipe);
        pipe = null;
        if (eof && !finForwarded) {
          forwardFin();
        }
      }
    }

    private void onEof() {
      eof = true;
      if (pipe != null && inPipe == 0) {
        pipes.give(pipe);
        pipe = null;
      }
      if (inPipe == 0) {
        forwardFin();
      }
    }

    private void forwardFin() {
      if (other().finForwarded) {
        // the last FIN: the connection is complete, and closing the destination sends this FIN (one shutdown
        // syscall fewer)
        finForwarded = true;
        maybeCompleted();
        return;
      }
      try {
        to.socket().shutdown(false, true);
      } catch (IOException | RuntimeException e) {
        finish(RelayEndings.finNotForwarded(other().eof));
        return;
      }
      finForwarded = true;
      maybeCompleted();
    }

    void releasePipe() {
      if (pending != null) {
        pending.release();
        pending = null;
      }
      if (pipe != null) {
        if (inPipe == 0) {
          pipes.give(pipe);
        } else {
          pipes.discard(pipe);
        }
        pipe = null;
      }
    }

    void sourceFailed(Throwable error) {
      finish(RelayEndings.afterError(error, eof, other().eof, sourceClosed));
    }
  }

}
