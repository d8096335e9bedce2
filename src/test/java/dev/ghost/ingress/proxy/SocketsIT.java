package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ServerID;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pins what {@link Sockets} relies on below Vert.x's public API, so that a Vert.x upgrade that changes any of it
 * fails here, by name, instead of somewhere in the data path.
 */
class SocketsIT {

  Vertx nio = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
  Vertx epoll = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));

  @AfterEach
  void close() {
    nio.close().await();
    epoll.close().await();
  }

  @Test
  void aContextRunsOnItsNettyEventLoopWhichIsOneOfTheVertxEventLoops() throws Exception {
    assertThat(epoll.isNativeTransportEnabled()).as("native epoll on this machine").isTrue();
    Context ctx = epoll.getOrCreateContext();
    CompletableFuture<Boolean> inLoop = new CompletableFuture<>();
    ctx.runOnContext(v -> inLoop.complete(Sockets.epollLoop(ctx).inEventLoop()));
    assertThat(inLoop.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(Sockets.eventLoops(epoll)).contains(Sockets.epollLoop(ctx));
    assertThat(Sockets.epollLoop(nio.getOrCreateContext())).as("no epoll loop behind NIO").isNull();
  }

  @Test
  void aDetachedSocketsBytesReachTheReplacementHandlerAndNotVertx() throws Exception {
    CompletableFuture<String> received = new CompletableFuture<>();
    AtomicReference<Channel> detached = new AtomicReference<>();
    NetServer server = nio.createNetServer().connectHandler(socket -> {
      socket.handler(b -> received.completeExceptionally(new AssertionError("Vert.x still reads the socket")));
      detached.set(Sockets.detach(socket, "test", new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          received.complete(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
          ReferenceCountUtil.release(msg);
        }
      }));
      detached.get().config().setAutoRead(true);
    }).listen(0, "127.0.0.1").await();
    try (Socket client = new Socket("127.0.0.1", server.actualPort())) {
      client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo("hello");
      assertThat(detached.get().pipeline().get("test")).isNotNull();
    }
  }

  @Test
  void aSharedServerIsRegisteredWhileListeningAndDroppedOnceItsServersShutDown() throws Exception {
    NetServer first = nio.createNetServer().connectHandler(NetSocket::close).listen(-7001, "127.0.0.1").await();
    NetServer second = nio.createNetServer().connectHandler(NetSocket::close).listen(-7001, "127.0.0.1").await();
    assertThat(second.actualPort()).as("one socket shared").isEqualTo(first.actualPort());
    ServerID id = Sockets.sharedServerId(-7001, "127.0.0.1");
    Object shared = Sockets.sharedServer(nio, id);
    assertThat(shared).isNotNull();
    first.shutdown(0, TimeUnit.MILLISECONDS).await();
    assertThat(Sockets.sharedServer(nio, id)).as("kept while a server still uses it").isSameAs(shared);
    second.shutdown(0, TimeUnit.MILLISECONDS).await();
    CompletableFuture<Void> gone = new CompletableFuture<>();
    nio.getOrCreateContext().runOnContext(v -> Sockets.awaitSharedServerGone(nio, id, shared)
        .onComplete(ar -> gone.complete(null)));
    gone.get(5, TimeUnit.SECONDS);
    Await.until("the shared server dropped", () -> Sockets.sharedServer(nio, id) == null);
  }
}
