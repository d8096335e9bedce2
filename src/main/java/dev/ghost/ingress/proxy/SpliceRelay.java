package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.Native;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Relays with the kernel's {@code splice(2)}: bytes go from one socket into a pipe and from the pipe into the other
 * socket without ever entering the JVM, so a bulk transfer costs two system calls per 64 KiB and no copy.
 *
 * <p>Netty's own {@code spliceTo} is not used: when a FIN arrives it shuts the input down after one splice, even if
 * more bytes are still queued in the socket (they would be lost), and it cannot count bytes. Instead, once the bytes
 * read before the relay (the sniffed hello, anything held while dialing) are flushed the usual way, both channels
 * leave Netty's read path ({@link Channel#deregister()}) and their descriptors are registered on the same event loop
 * as two {@link EpollIoHandle}s of this relay, level-triggered. The channels stay the sockets' owners and close
 * them.
 *
 * <p>Netty's native calls report {@code ENOTCONN} (a socket the peer reset, read a second time) as the unchecked
 * {@code NotYetConnectedException}; every native call here catches it with the checked errors.
 *
 * <p>Semantics are {@link NettyRelay}'s: a direction reads only while its pipe is empty (the pipe, 64 KiB, is the
 * whole buffer, and a full destination stops the source), a FIN is forwarded as a FIN after every byte before it,
 * the connection is over when both FINs are forwarded or at the first close, error, idle timeout or abort, and the
 * ending follows {@link RelayEndings}. The result completes once both channels are closed.
 */
final class SpliceRelay extends RelayLifecycle {

  /** Its label in {@code ghost_relays_total}. */
  static final String KIND = "splice";
  /** Pipeline name of the hand-over handler. */
  static final String HANDLER_NAME = "ghost-splice";

  /** Bytes asked of one splice into the pipe: the default pipe's capacity. */
  private static final int CHUNK = 64 * 1024;
  /** Chunks one readiness event may move before the loop serves other connections (level-triggered: it returns). */
  private static final int CHUNKS_PER_EVENT = 16;
  /** Linux {@code EPOLLHUP}: both directions of the socket are shut; never asked for, always reported. */
  private static final int EPOLLHUP = 0x010;
  private static final int READ_OPS = Native.EPOLLIN | Native.EPOLLRDHUP;
  private static final int GONE_OPS = Native.EPOLLERR | EPOLLHUP;

  private final Pipes pipes;
  private Endpoint client;
  private Endpoint backend;
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

  /** True when connections accepted on {@code client} can be spliced: a native epoll socket. */
  static boolean canSplice(Channel client) {
    return client instanceof EpollSocketChannel && client.eventLoop() instanceof IoEventLoop;
  }

  /**
   * Starts relaying between an accepted client (held, its channel passing {@link #canSplice}) and a backend
   * connected on the same event loop ({@link BackendSocket}).
   *
   * @param preamble         bytes that go to the backend first (the PROXY v2 header and the sniffed hello), or null
   * @param clientFinPending the client's FIN arrived before the relay started; forward it after its held bytes
   * @return completes once both sockets are closed
   */
  Future<Result> start(Peer clientPeer, BackendSocket backendSocket, ByteBuf preamble, boolean clientFinPending) {
    Handover clientHandover = new Handover(CloseReason.CLIENT_CLOSED);
    Channel clientChannel = clientPeer.detach(HANDLER_NAME, clientHandover);
    // Netty reads nothing more: from here bytes are either held already or spliced later
    clientChannel.config().setAutoRead(false);
    client = new Endpoint(clientChannel);
    backend = new Endpoint(backendSocket);
    up = new Way(client, backend, CloseReason.CLIENT_CLOSED);
    down = new Way(backend, client, CloseReason.BACKEND_CLOSED);
    clientHandover.way = up;
    Future<Result> result = begin(clientChannel.eventLoop());
    clientChannel.closeFuture().addListener(f -> onChannelClosed());
    backendSocket.onReady(ops -> onReadySafely(backend, ops));
    // the preamble, what was read before the relay, then the FIN read while sniffing, go first, through the pipe
    if (preamble != null) {
      up.first(preamble);
    }
    clientPeer.consumeWith(up::held);
    if (clientFinPending) {
      up.held(InputShutdown.FIN);
    }
    // what Netty still has to write to the client (nothing, normally) goes before anything spliced to it
    clientChannel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> takeOver());
    return result;
  }

  /** The client's descriptor leaves Netty's read path and becomes the relay's; the backend's already is. */
  private void takeOver() {
    if (finished()) {
      return;
    }
    client.channel.deregister().addListener(f -> register());
  }

  private void register() {
    if (finished()) {
      return;
    }
    ((IoEventLoop) loop()).register(client).addListener(f -> {
      if (!f.isSuccess()) {
        finish(CloseReason.IO_ERROR);
        return;
      }
      client.registration = (IoRegistration) f.getNow();
      if (finished()) {
        client.cancel();
        return;
      }
      // bytes held before the relay (or read during the hand-over) move without waiting for readiness
      if (up.holds()) {
        up.pump();
      }
      if (!finished()) {
        updateInterest();
      }
    });
  }

  private void onReadySafely(Endpoint e, int ops) {
    try {
      onReady(e, ops);
    } catch (RuntimeException unexpected) {
      // nothing may escape into the event loop: Netty logs it and pauses the whole loop for a second
      finish(CloseReason.IO_ERROR);
    }
  }

  private void onReady(Endpoint e, int ops) {
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
      if ((ops & (Native.EPOLLRDHUP | EPOLLHUP)) != 0) {
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
  private void onGone(Endpoint e, Way out) {
    int err;
    try {
      err = e.socket.getSoError();
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

  @Override
  protected void closeBoth(CloseReason.CloseAction action) {
    up.releasePipe();
    down.releasePipe();
    close(client.channel, action);
    // in the same task as the close, so no reused descriptor number can be mistaken for ours; a closed descriptor
    // has left epoll by itself, so this costs no epoll_ctl
    client.cancel();
    backend.raw.close(action == CloseReason.CloseAction.RST);
    onChannelClosed();
  }

  @Override
  protected long bytesFromClient() {
    return up.bytes;
  }

  @Override
  protected long bytesFromBackend() {
    return down.bytes;
  }

  /**
   * FIN: a plain close (what was spliced is already in the kernel's send queue, which a close still delivers);
   * bytes left in a pipe are dropped, as {@link NettyRelay} drops what a stalled peer did not take. RST: at once.
   */
  private static void close(Channel ch, CloseReason.CloseAction action) {
    if (action == CloseReason.CloseAction.RST) {
      Sockets.reset(ch);
    } else {
      ch.close();
    }
  }

  @Override
  protected void onChannelClosed() {
    if (!finished()) {
      // closed under the relay (the event loop shutting down): nothing more can move
      finish(CloseReason.IO_ERROR);
    }
    super.onChannelClosed();
  }

  /**
   * One socket of the relay as the event loop sees it: the client's channel descriptor, registered by the relay,
   * or the backend's {@link BackendSocket}, registered since its connect.
   */
  private final class Endpoint implements EpollIoHandle {
    final Channel channel;
    final BackendSocket raw;
    final Socket socket;
    IoRegistration registration;
    /** Interest last submitted; -1 before the first. */
    private int submitted = -1;

    Endpoint(Channel channel) {
      this.channel = channel;
      this.raw = null;
      this.socket = (Socket) ((EpollSocketChannel) channel).fd();
    }

    Endpoint(BackendSocket raw) {
      this.channel = null;
      this.raw = raw;
      this.socket = raw.socket();
    }

    @Override
    public FileDescriptor fd() {
      return socket;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
      onReadySafely(this, ((EpollIoEvent) event).ops().value());
    }

    /** Asks for {@code ops}; an unchanged interest costs no {@code epoll_ctl}. */
    void want(int ops) {
      if (raw != null) {
        // the backend socket keeps its own interest since its connect
        raw.want(ops);
      } else if (ops != submitted && registration != null && registration.isValid()) {
        submitted = ops;
        registration.submit(EpollIoOps.valueOf(ops));
      }
    }

    void cancel() {
      if (registration != null) {
        registration.cancel();
      }
    }

    /** The event loop closes its handles when it shuts down; the relay ends with it. */
    @Override
    public void close() {
      abort(CloseReason.IO_ERROR);
    }
  }

  /** One direction: from a source socket through a pipe to a destination socket. */
  private final class Way {
    final Endpoint from;
    final Endpoint to;
    final CloseReason sourceClosed;
    /**
     * Bytes that go before anything spliced (the preamble, bytes read before the relay); null whenever empty: most
     * connections hold nothing, and an idle one should keep no queue.
     */
    private ArrayDeque<ByteBuf> heldBytes;
    private Pipes.Pipe pipe;
    int inPipe;
    long bytes;
    /** The source reported a hang-up: a splice that moves nothing now means end of stream, not "try later". */
    boolean rdHup;
    /** The source's FIN was read. */
    boolean eof;
    boolean finForwarded;
    private boolean finHeld;

    Way(Endpoint from, Endpoint to, CloseReason sourceClosed) {
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

    private ArrayDeque<ByteBuf> hold() {
      if (heldBytes == null) {
        heldBytes = new ArrayDeque<>(2);
      }
      return heldBytes;
    }

    /** Bytes or a FIN read before the splicing started are still to be moved. */
    boolean holds() {
      return heldBytes != null || finHeld;
    }

    /**
     * Bytes that go before everything else and are not the source's (the PROXY header, the sniffed hello): written
     * to the fresh destination at once, one system call, and held for the pipe only as far as it did not take them.
     */
    void first(ByteBuf buf) {
      int n = 0;
      try {
        n = writeNow(buf);
      } catch (IOException | RuntimeException e) {
        // the destination failed already: the pipe meets the same error and ends the relay with its reason
      }
      if (buf.readableBytes() > n) {
        hold().addFirst(buf.skipBytes(n));
      } else {
        buf.release();
      }
    }

    private int writeNow(ByteBuf buf) throws IOException {
      if (buf.hasMemoryAddress()) {
        return to.socket.sendAddress(buf.memoryAddress(), buf.readerIndex(), buf.writerIndex());
      }
      // without Unsafe: the pipe takes it (fillFromHeld copes with any buffer)
      return 0;
    }

    /** A message read before the splicing started: it goes ahead of every spliced byte. */
    void held(Object msg) {
      if (finished() || finHeld) {
        ReferenceCountUtil.release(msg);
      } else if (msg instanceof ByteBuf buf) {
        bytes += buf.readableBytes();
        hold().addLast(buf);
      } else if (msg == InputShutdown.FIN) {
        finHeld = true;
      } else {
        ReferenceCountUtil.release(msg);
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
          if (heldBytes == null && finHeld) {
            finHeld = false;
            onEof();
            return;
          }
          if (pipe == null) {
            pipe = pipes.take();
          }
          fromSocket = heldBytes == null;
          if (fromSocket) {
            n = Native.splice(from.socket.intValue(), -1, pipe.in().intValue(), -1, CHUNK);
            bytes += n;
          } else {
            n = fillFromHeld();
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

    /** Writes the first held buffer into the (empty) pipe, as much as it takes. */
    private int fillFromHeld() throws IOException {
      ByteBuf buf = heldBytes.peekFirst();
      int n;
      if (buf.hasMemoryAddress()) {
        n = pipe.in().writeAddress(buf.memoryAddress(), buf.readerIndex(), buf.writerIndex());
      } else {
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(buf.readableBytes());
        buf.getBytes(buf.readerIndex(), direct);
        n = pipe.in().write(direct.flip(), 0, direct.limit());
      }
      buf.skipBytes(n);
      if (!buf.isReadable()) {
        heldBytes.pollFirst().release();
        if (heldBytes.isEmpty()) {
          heldBytes = null;
        }
      }
      return n;
    }

    /** Moves what is in the pipe into the destination, as far as it takes it. */
    void drain() {
      int n;
      try {
        n = Native.splice(pipe.out().intValue(), -1, to.socket.intValue(), -1, inPipe);
      } catch (IOException | RuntimeException e) {
        other().sourceFailed(e);
        return;
      }
      inPipe -= n;
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
        to.socket.shutdown(false, true);
      } catch (IOException | RuntimeException e) {
        finish(RelayEndings.finNotForwarded(other().eof));
        return;
      }
      finForwarded = true;
      maybeCompleted();
    }

    void releasePipe() {
      if (heldBytes != null) {
        heldBytes.forEach(ByteBuf::release);
        heldBytes = null;
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

  /**
   * Stands in the client's pipeline while Netty flushes what it still had (and stays there, never called again once
   * the descriptor is deregistered): a close or error in that window ends the relay like one during it.
   */
  private final class Handover extends ChannelInboundHandlerAdapter {
    private final CloseReason sourceClosed;
    Way way;

    Handover(CloseReason sourceClosed) {
      this.sourceClosed = sourceClosed;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      // a read Vert.x asked for before letting go: held like the bytes before it
      way.held(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        way.held(InputShutdown.FIN);
      } else {
        ReferenceCountUtil.release(evt);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(sourceClosed);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable error) {
      way.sourceFailed(error);
    }
  }
}
