package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.Backend;
import io.netty.channel.Channel;
import io.netty.channel.IoEventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A {@link BackendDialer} whose dials wait for the test: each one is answered, in order, by {@link #connectNext} with
 * a {@link TcpLikeChannel} as {@link Dialer} hands it over (reads off, {@link Dialer#PLACEHOLDER} in its pipeline), or
 * by {@link #failNext} with a cause.
 */
final class ScriptedDialer implements BackendDialer {

  private static final InetSocketAddress LOCAL = new InetSocketAddress("::1", 40000);

  private record Dial(Backend backend, BiConsumer<Channel, Throwable> done) {}

  private final ArrayDeque<Dial> pending = new ArrayDeque<>();
  private final List<Backend> dialled = new ArrayList<>();

  @Override
  public void dial(Backend backend, Channel client, int timeoutMs, boolean keepAlive,
      BiConsumer<Channel, Throwable> done) {
    dialled.add(backend);
    pending.add(new Dial(backend, done));
  }

  @Override
  public void dialSocket(Backend backend, IoEventLoop loop, int timeoutMs, boolean keepAlive,
      BiConsumer<BackendSocket, Throwable> done) {
    throw new AssertionError("only a native epoll client is dialled as a bare socket");
  }

  /** Every backend dialled so far, in order (failover included). */
  List<Backend> dialled() {
    return dialled;
  }

  /** True while a dial waits for its answer. */
  boolean waiting() {
    return !pending.isEmpty();
  }

  /** Connects the oldest waiting dial: its backend's channel. */
  TcpLikeChannel connectNext() {
    return connectNext(null);
  }

  /**
   * Connects the oldest waiting dial to a backend that takes no byte: every write to its channel fails, as a write
   * to a socket the peer reset does.
   */
  TcpLikeChannel connectNextRefusingWrites() {
    return connectNext(new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override
      public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg,
          io.netty.channel.ChannelPromise promise) {
        io.netty.util.ReferenceCountUtil.release(msg);
        promise.tryFailure(new java.io.IOException("Connection reset by peer"));
      }
    });
  }

  private TcpLikeChannel connectNext(io.netty.channel.ChannelHandler first) {
    Dial dial = pending.remove();
    TcpLikeChannel channel = new TcpLikeChannel(LOCAL, Dialer.literal(dial.backend()));
    channel.pipeline().addLast(Dialer.PLACEHOLDER);
    if (first != null) {
      channel.pipeline().addFirst(first);
    }
    dial.done().accept(channel, null);
    return channel;
  }

  /** Fails the oldest waiting dial with {@code cause}; returns the backend it was for. */
  Backend failNext(Throwable cause) {
    Dial dial = pending.remove();
    dial.done().accept(null, cause);
    return dial.backend();
  }
}
