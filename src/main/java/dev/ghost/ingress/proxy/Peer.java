package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One side of a proxied connection: a socket read as raw messages (Netty {@link ByteBuf}s and
 * {@link InputShutdown#FIN}), so bytes are forwarded without a copy and a FIN stays in order with them.
 *
 * <p>Messages go to the current consumer; while there is none (between sniffing and relaying) they wait in a small
 * queue. The socket is paused whenever nobody consumes, so that queue holds at most one read batch.
 */
final class Peer {

  /** Null once {@link #detach detached}: the socket object must not outlive Vert.x's hold on the channel. */
  private NetSocketInternal socket;
  private final ArrayDeque<Object> held = new ArrayDeque<>();
  private Handler<Object> consumer;

  private Peer(NetSocketInternal socket) {
    this.socket = socket;
  }

  /**
   * Takes over a freshly accepted or connected socket. Must run in the accept/connect callback on the socket's
   * event loop, before its first read.
   */
  static Peer adopt(NetSocket socket) {
    Sockets.enableHalfClose(socket);
    Peer peer = new Peer(Sockets.internal(socket));
    peer.socket.messageHandler(peer::onMessage);
    return peer;
  }

  private void onMessage(Object msg) {
    Handler<Object> c = consumer;
    if (c != null) {
      c.handle(msg);
    } else {
      held.add(msg);
    }
  }

  /** Routes every held and future message to {@code c}, in order. */
  void consumeWith(Handler<Object> c) {
    consumer = c;
    Object msg;
    while (consumer == c && (msg = held.poll()) != null) {
      c.handle(msg);
    }
  }

  /** Stops consuming: pauses the socket and holds what still arrives. */
  void hold() {
    consumer = null;
    socket.pause();
  }

  /**
   * Hands the channel over from Vert.x to {@code handler} (see {@link Sockets#detach}): what Vert.x had queued joins
   * the held messages, which {@link #consumeWith} then delivers; from here on this peer is only that queue.
   */
  io.netty.channel.Channel detach(String name, io.netty.channel.ChannelHandler handler) {
    consumer = null;
    io.netty.channel.Channel ch = Sockets.detach(socket, name, handler);
    socket = null;
    return ch;
  }

  NetSocket socket() {
    return socket;
  }

  void pause() {
    socket.pause();
  }

  void resume() {
    socket.resume();
  }

  /** Writes and transfers ownership of {@code buf}. */
  void write(ByteBuf buf) {
    socket.writeMessage(buf);
  }

  boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  void drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
  }

  Future<Void> shutdownOutput() {
    return Sockets.shutdownOutput(socket);
  }

  void closeHandler(Handler<Void> handler) {
    socket.closeHandler(handler);
  }

  void exceptionHandler(Handler<Throwable> handler) {
    socket.exceptionHandler(handler);
  }

  void close(CloseReason.CloseAction action) {
    releaseHeld();
    if (action == CloseReason.CloseAction.RST) {
      Sockets.reset(socket);
    } else {
      socket.close();
    }
  }

  /**
   * Closes a client that was never written to (a routing or limit outcome before any relay): FIN or RST as
   * {@code action} says. A FIN is sent by shutting output down before closing, because closing with unread input
   * (bytes still arriving after the verdict, or sent before an accept-time decision) makes the kernel answer with
   * a reset instead; once our FIN is out, the peer reads an orderly end whatever follows.
   */
  void refuse(CloseReason.CloseAction action) {
    releaseHeld();
    if (action == CloseReason.CloseAction.RST) {
      Sockets.reset(socket);
    } else {
      Sockets.finThenClose(socket);
    }
  }

  InetSocketAddress localAddress() {
    return Sockets.localAddress(socket);
  }

  InetSocketAddress remoteAddress() {
    return Sockets.remoteAddress(socket);
  }

  private void releaseHeld() {
    Object msg;
    while ((msg = held.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }
}
