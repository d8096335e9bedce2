package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * The accepted client as its {@link ProxyConnection} sees it until a relay takes it over: read as messages (Netty
 * {@link io.netty.buffer.ByteBuf}s, then {@link InputShutdown#FIN} once the client's FIN arrived), held while a
 * backend is dialled, or refused. On native epoll it is a {@link ClientSocket}; on other transports a {@link Peer}.
 * Confined to its event loop.
 */
interface Downstream {

  /** The client's address, as accepted. */
  InetSocketAddress remoteAddress();

  /** The address the client reached (the listener's, or the one a wildcard listener was reached on). */
  InetSocketAddress localAddress();

  /** The event loop the connection lives on: its timers and its backend's socket run there. */
  EventLoop loop();

  /** Allocates the buffers the connection writes to its backend. */
  ByteBufAllocator alloc();

  /** Runs once when the client fails or resets before a relay took it over. */
  void onGone(Runnable r);

  /** Routes every future message to {@code c}, in order, and reads. */
  void consumeWith(Consumer<Object> c);

  /** Stops consuming; what arrives from here on waits in the socket for the relay. */
  void hold();

  /**
   * Closes a client that was never written to (a routing or limit outcome before any relay): FIN or RST as
   * {@code action} says. A FIN is sent by shutting output down before closing, because closing with unread input
   * (bytes still arriving after the verdict, or sent before an accept-time decision) makes the kernel answer with a
   * reset instead; once our FIN is out, the peer reads an orderly end whatever follows.
   */
  void refuse(CloseReason.CloseAction action);
}
