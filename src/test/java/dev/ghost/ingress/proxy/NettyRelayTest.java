package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The buffered relay's rules on two {@link EmbeddedChannel}s, without a socket: bytes both ways in order and
 * counted, held bytes first, a FIN after the bytes before it, backpressure by writability, and each ending.
 */
class NettyRelayTest {

  final EmbeddedChannel client = channel();
  final EmbeddedChannel backend = channel();
  final Peer clientPeer = Peer.connected(client);
  final Peer backendPeer = Peer.connected(backend);

  /** A channel as {@link Dialer} hands it over: its placeholder where the peer's reader goes. */
  private static EmbeddedChannel channel() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(Dialer.PLACEHOLDER);
    return ch;
  }

  private Future<Relay.Result> start(NettyRelay relay, boolean clientFinPending) {
    return relay.start(clientPeer, backendPeer, clientFinPending);
  }

  private static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  /** Every buffer written to {@code ch} so far, as text (empty flush markers left out). */
  private static String written(EmbeddedChannel ch) {
    StringBuilder out = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.append(b.toString(StandardCharsets.US_ASCII));
      b.release();
    }
    return out.toString();
  }

  @Test
  void bytesGoBothWaysInOrderAndAreCounted() {
    Future<Relay.Result> result = start(new NettyRelay(Duration.ZERO), false);
    client.writeInbound(text("hello "), text("world"));
    backend.writeInbound(text("hi"));
    assertThat(written(backend)).isEqualTo("hello world");
    assertThat(written(client)).isEqualTo("hi");
    client.close();
    backend.runPendingTasks();
    assertThat(result.result()).isEqualTo(new Relay.Result(11, 2, CloseReason.CLIENT_CLOSED, false));
    assertThat(backend.isOpen()).as("the other side closed too").isFalse();
  }

  @Test
  void bytesReadBeforeTheRelayStartedGoFirst() {
    clientPeer.consumeWith(msg -> { }); // the connection read while sniffing ...
    clientPeer.hold();
    client.writeInbound(text("held ")); // ... and this arrived while dialing
    start(new NettyRelay(Duration.ZERO), false);
    client.writeInbound(text("then live"));
    assertThat(written(backend)).isEqualTo("held then live");
  }

  @Test
  void bothFinsForwardedAfterTheirBytesCompleteTheConnection() {
    Future<Relay.Result> result = start(new NettyRelay(Duration.ZERO), false);
    client.writeInbound(text("request"));
    client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    assertThat(written(backend)).isEqualTo("request");
    assertThat(result.isComplete()).as("half-closed, not over").isFalse();
    backend.writeInbound(text("response"));
    backend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    client.runPendingTasks();
    backend.runPendingTasks();
    assertThat(written(client)).isEqualTo("response");
    assertThat(result.result()).isEqualTo(new Relay.Result(7, 8, CloseReason.COMPLETED, false));
  }

  @Test
  void aFinReadWhileSniffingIsForwardedAfterTheHeldBytes() {
    clientPeer.consumeWith(msg -> { });
    clientPeer.hold();
    client.writeInbound(text("whole request"));
    Future<Relay.Result> result = start(new NettyRelay(Duration.ZERO), true);
    assertThat(written(backend)).isEqualTo("whole request");
    backend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    client.runPendingTasks();
    backend.runPendingTasks();
    assertThat(result.result().reason()).isEqualTo(CloseReason.COMPLETED);
  }

  @Test
  void aSideIsReadOnlyWhileTheOtherCanTakeBytes() {
    start(new NettyRelay(Duration.ZERO), false);
    assertThat(client.config().isAutoRead()).isTrue();
    backend.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    backend.runPendingTasks(); // Netty fires the writability change later, on the loop
    assertThat(client.config().isAutoRead()).as("backend full: client paused").isFalse();
    assertThat(backend.config().isAutoRead()).as("the other direction flows on").isTrue();
    backend.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    backend.runPendingTasks();
    assertThat(client.config().isAutoRead()).as("backend drained: client resumed").isTrue();
  }

  @Test
  void anAbortEndsTheConnectionWithItsReasonAndClosesBoth() {
    NettyRelay relay = new NettyRelay(Duration.ZERO);
    Future<Relay.Result> result = start(relay, false);
    client.writeInbound(text("x"));
    relay.abort(CloseReason.DRAIN_DEADLINE);
    client.runPendingTasks();
    backend.runPendingTasks();
    assertThat(result.result()).isEqualTo(new Relay.Result(1, 0, CloseReason.DRAIN_DEADLINE, false));
    assertThat(client.isOpen()).isFalse();
    assertThat(backend.isOpen()).isFalse();
  }

  @Test
  void theFirstEndingWinsAndLaterOnesChangeNothing() {
    NettyRelay relay = new NettyRelay(Duration.ZERO);
    Future<Relay.Result> result = start(relay, false);
    backend.close();
    relay.abort(CloseReason.DRAIN_DEADLINE);
    client.runPendingTasks();
    assertThat(result.result().reason()).isEqualTo(CloseReason.BACKEND_CLOSED);
  }

  @Test
  void anIdleConnectionIsClosedAtTheIdleTimeout() throws Exception {
    Future<Relay.Result> result = start(new NettyRelay(Duration.ofMillis(1)), false);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!result.isComplete() && System.nanoTime() < deadline) {
      client.advanceTimeBy(2, java.util.concurrent.TimeUnit.MILLISECONDS);
      client.runScheduledPendingTasks();
      backend.runPendingTasks();
    }
    assertThat(result.result().reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
  }
}
