package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.AccessLog;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.proxy.ProxyConnection.State;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.route.Origin;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.ProxyProtocol;
import dev.ghost.ingress.eligibility.RoundRobinSelector;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.testing.ClientHellos;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * One {@link ProxyConnection} driven through its states without a socket: the client is a {@link Peer} over a
 * {@link TcpLikeChannel}, every backend a channel the {@link ScriptedDialer} hands out when the test says so, and time
 * is the client channel's event loop clock. Each test checks what a peer would see (the bytes the backend gets, how
 * the client is closed) and the reason the connection reports.
 */
class ProxyConnectionTest {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("2001:db8::1", 50000);
  private static final InetSocketAddress REACHED = new InetSocketAddress("::1", 443);
  private static final String LISTENER = "[::1]:443";
  private static final Backend B1 = new Backend("fd00::1", 8443);
  private static final Backend B2 = new Backend("fd00::2", 8443);
  private static final String APP = "app.example.com";
  private static final Duration SNIFF_TIMEOUT = Duration.ofMillis(200);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final IngressMetrics metrics = new IngressMetrics(registry);
  private final ScriptedDialer dialer = new ScriptedDialer();
  private final DrainCounts drains = new DrainCounts();
  private final Set<ProxyConnection> open = new HashSet<>();
  private final TcpLikeChannel client = new TcpLikeChannel(REACHED, CLIENT);
  private final byte[] hello = ClientHellos.jdk(APP, "TLSv1.3");
  private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();
  private int maxSniffBytes = 8192;

  // ---- fixture ----------------------------------------------------------------------------------------------

  @BeforeEach
  void captureAccessLog() {
    accessLog.start();
    accessLogger().addAppender(accessLog);
  }

  @AfterEach
  void releaseEverything() {
    accessLogger().detachAppender(accessLog);
    client.finishAndReleaseAll();
  }

  /** Node-wide services as {@code IngressNode} builds them, over a simple registry and fixed settings. */
  private ProxyContext context() {
    IngressConfig.Proxy settings = new IngressConfig.Proxy(SNIFF_TIMEOUT, maxSniffBytes, Duration.ofSeconds(2), 3,
        Duration.ZERO, DRAIN_TIMEOUT, Duration.ofSeconds(30), true, BackendHealth.DEFAULT_BASE,
        BackendHealth.DEFAULT_MAX, 1, false);
    ProxyServices services = new ProxyServices(settings, new RoundRobinSelector(),
        new BackendHealth(settings.ejectBase(), settings.ejectMax(), System::nanoTime),
        new ConnectionLimits(1000, 0, 0), new ConnectionIds(), metrics, new AccessLog(true), drains);
    return new ProxyContext(dialer, services, open, new Pipes(), new SniffScratch());
  }

  /** Accepts the client on {@code [::1]:443} under {@code table} and starts its connection. */
  private ProxyConnection accept(RouteTable table) {
    return accept(table, context(), client);
  }

  /** Accepts {@code channel} as a client of the listener instance whose context is {@code instance}. */
  private ProxyConnection accept(RouteTable table, ProxyContext instance, TcpLikeChannel channel) {
    channel.freezeTime(); // the connection's timers run on this clock: it moves only when a test moves it
    channel.pipeline().addLast(Dialer.PLACEHOLDER);
    ProxyConnection connection = new ProxyConnection(instance, Peer.connected(channel),
        new ProxyConnection.Listener(LISTENER, 443, metrics.listener(LISTENER)), table);
    connection.start();
    return connection;
  }

  /** A static tls_passthrough route on port 443. */
  private static Route route(String id, String host, ProxyProtocol proxy, Backend... backends) {
    return Route.tls(id, host, 443).withOrigin(Origin.STATIC, 0).withProxyProtocol(proxy)
        .withBackends(List.of(backends));
  }

  private static RouteTable table(long version, Route... routes) {
    RouteTableBuilder builder = new RouteTableBuilder(version, PortPolicy.DEFAULT);
    for (Route r : routes) {
      builder.add(r);
    }
    return builder.build();
  }

  /** Two routes on the port, so that only a found, known SNI routes. */
  private static RouteTable twoRoutes(ProxyProtocol proxy, Backend... appBackends) {
    return table(1, route("app", APP, proxy, appBackends), route("other", "other.example.com", ProxyProtocol.OFF, B2));
  }

  private double closed(String reason, String route) {
    return metrics.count(MetricNames.CONNECTIONS_CLOSED, "reason", reason, "route", route);
  }

  private double sniffed(String outcome) {
    return metrics.count(MetricNames.SNIFF, "outcome", outcome);
  }

  private static Logger accessLogger() {
    return (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
  }

  /** The one access-log line written so far, as its fields. */
  private Map<String, Object> accessLine() {
    assertThat(accessLog.list).hasSize(1);
    Map<String, Object> fields = new HashMap<>();
    accessLog.list.get(0).getKeyValuePairs().forEach(kv -> fields.put(kv.key, kv.value));
    return fields;
  }

  /** Every byte written to {@code ch} so far (flush markers are empty). */
  private static byte[] written(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  private static String text(EmbeddedChannel ch) {
    return new String(written(ch), StandardCharsets.US_ASCII);
  }

  private static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  /** The peer of {@code ch} sent FIN. */
  private static void fin(EmbeddedChannel ch) {
    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
  }

  private static void runPending(EmbeddedChannel... channels) {
    for (EmbeddedChannel ch : channels) {
      ch.runPendingTasks();
    }
  }

  /** Moves the client's event loop clock on by {@code d} and runs the timers due. */
  private void advance(Duration d) {
    client.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();
  }

  /** Splits what a backend received into its PROXY v2 header, decoded by Netty, and the bytes after it. */
  private record Proxied(HAProxyMessage header, byte[] rest) {
    static Proxied decode(byte[] received) {
      EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
      decoder.writeInbound(Unpooled.wrappedBuffer(received));
      HAProxyMessage header = decoder.readInbound();
      assertThat(header).as("Netty decodes a PROXY v2 header").isNotNull();
      byte[] rest = new byte[0];
      ByteBuf after;
      while ((after = decoder.readInbound()) != null) {
        rest = ClientHellos.concat(rest, ByteBufUtil.getBytes(after));
        after.release();
      }
      decoder.finishAndReleaseAll();
      return new Proxied(header, rest);
    }
  }

  private static InetAddress address(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  // ---- routed ---------------------------------------------------------------------------------------------

  @Test
  void aRoutedHelloGoesToTheBackendUnchangedAfterThePROXYv2HeaderThenBytesFlowBothWays() throws Exception {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.v2(EnumSet.of(ProxyProtocol.Tlv.AUTHORITY)), B1));
    assertThat(connection.state()).isEqualTo(State.SNIFFING);

    client.writeInbound(Unpooled.wrappedBuffer(hello));
    assertThat(connection.state()).isEqualTo(State.DIALING);
    assertThat(connection.route().id()).isEqualTo("app");
    assertThat(dialer.dialled()).containsExactly(B1);
    assertThat(sniffed("found")).isEqualTo(1);

    TcpLikeChannel backend = dialer.connectNext();
    assertThat(connection.state()).isEqualTo(State.RELAYING);
    assertThat(connection.backend()).isEqualTo(B1);
    byte[] received = written(backend);
    Proxied proxied = Proxied.decode(received);
    HAProxyMessage header = proxied.header();
    assertThat(header.command()).isEqualTo(HAProxyCommand.PROXY);
    assertThat(header.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
    assertThat(address(header.sourceAddress())).isEqualTo(CLIENT.getAddress());
    assertThat(header.sourcePort()).isEqualTo(CLIENT.getPort());
    assertThat(address(header.destinationAddress())).isEqualTo(REACHED.getAddress());
    assertThat(header.destinationPort()).isEqualTo(REACHED.getPort());
    assertThat(header.tlvs()).singleElement().satisfies(tlv -> {
      assertThat(tlv.type()).isEqualTo(HAProxyTLV.Type.PP2_TYPE_AUTHORITY);
      assertThat(tlv.content().toString(StandardCharsets.US_ASCII)).isEqualTo(APP);
    });
    header.release();
    assertThat(proxied.rest()).as("the hello, byte for byte").isEqualTo(hello);
    assertThat(received).as("one header, as ProxyHeaderV2 encodes it, then the hello").isEqualTo(ClientHellos.concat(
        ProxyHeaderV2.encode(CLIENT, REACHED, ProxyHeaderV2.Tlvs.none().withAuthority(APP)), hello));

    client.writeInbound(bytes("ping"));
    backend.writeInbound(bytes("pong"));
    assertThat(text(backend)).isEqualTo("ping");
    assertThat(text(client)).isEqualTo("pong");

    fin(client);
    fin(backend);
    runPending(client, backend);
    assertThat(connection.state()).isEqualTo(State.CLOSED);
    assertThat(closed("completed", "app")).isEqualTo(1);
    assertThat(metrics.count(MetricNames.BYTES_FROM_CLIENT, "route", "app")).isEqualTo(hello.length + 4);
    assertThat(metrics.count(MetricNames.BYTES_FROM_BACKEND, "route", "app")).isEqualTo(4);
    assertThat(client.closedWith()).isEqualTo(CloseReason.CloseAction.FIN);
    assertThat(open).isEmpty();
    assertThat(accessLine()).containsEntry("client", "[2001:db8::1]:50000").containsEntry("listener", LISTENER)
        .containsEntry("sni", APP).containsEntry("route_id", "app").containsEntry("backend", B1.toString())
        .containsEntry("attempts", 1).containsEntry("bytes_from_client", (long) hello.length + 4)
        .containsEntry("bytes_from_backend", 4L).containsEntry("reason", "completed");
    backend.finishAndReleaseAll();
  }

  @Test
  void aHelloArrivingByteByByteIsReassembledAndForwardedWhole() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.V2, B1));
    for (int i = 0; i < hello.length - 1; i++) {
      client.writeInbound(Unpooled.wrappedBuffer(new byte[] {hello[i]}));
    }
    assertThat(connection.state()).as("one byte short").isEqualTo(State.SNIFFING);
    assertThat(dialer.waiting()).isFalse();

    client.writeInbound(Unpooled.wrappedBuffer(new byte[] {hello[hello.length - 1]}));
    assertThat(connection.state()).isEqualTo(State.DIALING);
    assertThat(sniffed("found")).as("counted once").isEqualTo(1);
    TcpLikeChannel backend = dialer.connectNext();
    assertThat(written(backend)).isEqualTo(ClientHellos.concat(ProxyHeaderV2.encode(CLIENT, REACHED), hello));
    assertThat(connection.state()).isEqualTo(State.RELAYING);
    backend.finishAndReleaseAll();
  }

  /**
   * A hello sent a byte per segment holds its bytes, not a read buffer per segment: each read comes in a buffer of
   * the read size class (4 KiB here), and holding them all would make a client's hello cost 4 KiB a byte until the
   * sniff timeout. Every read after the first is released as soon as its bytes are copied.
   */
  @Test
  void aHelloSentAByteAtATimeHoldsItsBytesNotABufferPerRead() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1));
    List<ByteBuf> reads = new ArrayList<>();
    for (int i = 0; i < hello.length - 1; i++) {
      ByteBuf read = Unpooled.directBuffer(4096).writeByte(hello[i]);
      reads.add(read);
      client.writeInbound(read);
    }
    assertThat(connection.state()).as("one byte short").isEqualTo(State.SNIFFING);
    assertThat(reads.subList(1, reads.size())).as("reads after the first, released").allMatch(b -> b.refCnt() == 0);
    assertThat(reads.get(0).refCnt()).as("the first read's buffer, copied on the second read").isZero();

    client.writeInbound(Unpooled.wrappedBuffer(new byte[] {hello[hello.length - 1]}));
    TcpLikeChannel backend = dialer.connectNext();
    assertThat(written(backend)).as("forwarded whole").isEqualTo(hello);
    assertThat(connection.state()).isEqualTo(State.RELAYING);
    backend.finishAndReleaseAll();
  }

  /**
   * The connections of one listener instance parse first reads in one scratch array: a hello split over two reads
   * keeps its first part apart, so another connection's hello parsed in between (shorter, so it lands in the same
   * array) changes nothing.
   */
  @Test
  void aHelloSplitOverReadsIsRoutedOnItsOwnBytesWhenAnotherHelloIsParsedInBetween() {
    RouteTable table = twoRoutes(ProxyProtocol.OFF, B1);
    ProxyContext instance = context();
    ProxyConnection split = accept(table, instance, client);
    client.writeInbound(Unpooled.wrappedBuffer(hello, 0, hello.length - 1));
    assertThat(split.state()).isEqualTo(State.SNIFFING);

    byte[] shorter = ClientHellos.jdk("o.example.com", "TLSv1.3");
    assertThat(shorter.length).isLessThan(hello.length - 1);
    TcpLikeChannel otherClient = new TcpLikeChannel(REACHED, new InetSocketAddress("2001:db8::2", 50001));
    ProxyConnection other = accept(table, instance, otherClient);
    otherClient.writeInbound(Unpooled.wrappedBuffer(shorter));
    assertThat(other.state()).isEqualTo(State.CLOSED);
    assertThat(closed("no_route", IngressMetrics.UNROUTED)).as("parsed: its name has no route").isEqualTo(1);

    client.writeInbound(Unpooled.wrappedBuffer(hello, hello.length - 1, 1));
    assertThat(split.state()).isEqualTo(State.DIALING);
    assertThat(split.route().id()).isEqualTo("app");
    assertThat(dialer.dialled()).containsExactly(B1);
    otherClient.finishAndReleaseAll();
  }

  @Test
  void aProxyHeaderTheBackendDoesNotTakeIsCountedAsAWriteFailure() {
    accept(twoRoutes(ProxyProtocol.V2, B1));
    client.writeInbound(Unpooled.wrappedBuffer(hello));
    TcpLikeChannel backend = dialer.connectNextRefusingWrites();
    runPending(client, backend);
    assertThat(metrics.count(MetricNames.PROXY_HEADER_WRITE_FAILURES)).isEqualTo(1);
    backend.finishAndReleaseAll();
  }

  @Test
  void aProxyHeaderTheBackendTakesIsNoWriteFailure() {
    accept(twoRoutes(ProxyProtocol.V2, B1));
    client.writeInbound(Unpooled.wrappedBuffer(hello));
    TcpLikeChannel backend = dialer.connectNext();
    runPending(client, backend);
    assertThat(written(backend)).isNotEmpty();
    assertThat(metrics.count(MetricNames.PROXY_HEADER_WRITE_FAILURES)).isZero();
    backend.finishAndReleaseAll();
  }

  // ---- closed before any dial -----------------------------------------------------------------------------

  @Test
  void anUnknownSniOnAPortWithTwoRoutesIsClosedWithFinAndNothingIsDialled() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1));
    client.writeInbound(Unpooled.wrappedBuffer(ClientHellos.jdk("unknown.example.com", "TLSv1.3")));
    runPending(client);

    assertThat(connection.state()).isEqualTo(State.CLOSED);
    assertThat(client.closedWith()).isEqualTo(CloseReason.CloseAction.FIN);
    assertThat(client.isOutputShutdown()).as("FIN sent before the close").isTrue();
    assertThat(written(client)).as("closing writes nothing").isEmpty();
    assertThat(dialer.dialled()).isEmpty();
    assertThat(sniffed("found")).isEqualTo(1);
    assertThat(closed("no_route", IngressMetrics.UNROUTED)).isEqualTo(1);
    assertThat(open).isEmpty();
  }

  @Test
  void aClientThatSendsNothingIsResetAtTheSniffTimeout() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1));
    advance(SNIFF_TIMEOUT.minusMillis(1));
    assertThat(connection.state()).isEqualTo(State.SNIFFING);

    advance(Duration.ofMillis(1));
    assertThat(connection.state()).isEqualTo(State.CLOSED);
    assertThat(client.closedWith()).isEqualTo(CloseReason.CloseAction.RST);
    assertThat(sniffed("timeout")).isEqualTo(1);
    assertThat(closed("sniff_timeout", IngressMetrics.UNROUTED)).isEqualTo(1);
    assertThat(dialer.dialled()).isEmpty();
    assertThat(accessLine()).containsEntry("reason", "sniff_timeout").containsEntry("route_id", null)
        .containsEntry("attempts", 0);
  }

  @Test
  void aHelloOverTheSniffCapIsResetWhereTwoRoutesShareThePort() {
    maxSniffBytes = 1024;
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1));
    client.writeInbound(Unpooled.wrappedBuffer(ClientHellos.synthetic().sni(APP).paddedTo(2000).build()));

    assertThat(connection.state()).isEqualTo(State.CLOSED);
    assertThat(client.closedWith()).isEqualTo(CloseReason.CloseAction.RST);
    assertThat(sniffed("too_large")).isEqualTo(1);
    assertThat(closed("hello_too_large", IngressMetrics.UNROUTED)).isEqualTo(1);
    assertThat(dialer.dialled()).isEmpty();
  }

  @Test
  void aHelloOverTheSniffCapGoesWholeToTheSoleRouteOfThePort() {
    maxSniffBytes = 1024;
    byte[] large = ClientHellos.synthetic().sni(APP).paddedTo(2000).build();
    ProxyConnection connection = accept(table(1, route("app", APP, ProxyProtocol.OFF, B1)));
    client.writeInbound(Unpooled.wrappedBuffer(large));

    assertThat(connection.state()).isEqualTo(State.DIALING);
    assertThat(sniffed("too_large")).isEqualTo(1);
    TcpLikeChannel backend = dialer.connectNext();
    assertThat(written(backend)).as("every byte, the ones past the cap too").isEqualTo(large);
    backend.finishAndReleaseAll();
  }

  // ---- dialling -------------------------------------------------------------------------------------------

  @Test
  void aFailedConnectFailsOverToTheNextBackendWhichGetsTheHello() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1, B2));
    client.writeInbound(Unpooled.wrappedBuffer(hello));
    assertThat(dialer.failNext(new ConnectException("refused"))).isEqualTo(B1);

    assertThat(connection.state()).isEqualTo(State.DIALING);
    assertThat(dialer.dialled()).containsExactly(B1, B2);
    TcpLikeChannel backend = dialer.connectNext();
    assertThat(connection.state()).isEqualTo(State.RELAYING);
    assertThat(connection.backend()).isEqualTo(B2);
    assertThat(written(backend)).isEqualTo(hello);
    assertThat(metrics.count(MetricNames.UPSTREAM_CONNECT_FAILURES, "kind", "refused", "route", "app")).isEqualTo(1);
    backend.finishAndReleaseAll();
  }

  @Test
  void whenEveryBackendFailsTheClientIsResetAsConnectFailed() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1, B2));
    client.writeInbound(Unpooled.wrappedBuffer(hello));
    dialer.failNext(new ConnectException("refused"));
    dialer.failNext(new ConnectTimeoutException("timed out"));

    assertThat(connection.state()).isEqualTo(State.CLOSED);
    assertThat(dialer.dialled()).containsExactly(B1, B2);
    assertThat(dialer.waiting()).as("no third attempt: two backends").isFalse();
    assertThat(client.closedWith()).isEqualTo(CloseReason.CloseAction.RST);
    assertThat(written(client)).isEmpty();
    assertThat(closed("connect_failed", "app")).isEqualTo(1);
    assertThat(metrics.count(MetricNames.UPSTREAM_CONNECT_FAILURES, "kind", "timeout", "route", "app")).isEqualTo(1);
    assertThat(open).isEmpty();
    assertThat(accessLine()).containsEntry("route_id", "app").containsEntry("backend", null)
        .containsEntry("attempts", 2).containsEntry("reason", "connect_failed");
  }

  @Test
  void aClientFinWhileDiallingReachesTheBackendAfterTheHello() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1));
    client.writeInbound(Unpooled.wrappedBuffer(hello));
    client.writeInbound(bytes("last words"));
    fin(client);
    assertThat(connection.state()).as("a half-close is not an ending").isEqualTo(State.DIALING);

    TcpLikeChannel backend = dialer.connectNext();
    byte[] lastWords = "last words".getBytes(StandardCharsets.US_ASCII);
    assertThat(written(backend)).isEqualTo(ClientHellos.concat(hello, lastWords));
    assertThat(backend.isOutputShutdown()).as("the FIN, forwarded after the bytes").isTrue();
    assertThat(client.isOpen()).as("the backend may still answer").isTrue();

    backend.writeInbound(bytes("answer"));
    assertThat(text(client)).isEqualTo("answer");
    fin(backend);
    runPending(client, backend);
    assertThat(connection.state()).isEqualTo(State.CLOSED);
    assertThat(closed("completed", "app")).isEqualTo(1);
    backend.finishAndReleaseAll();
  }

  @Test
  void aClientGoneWhileDiallingIsClientClosedAndTheBackendConnectedLateIsClosed() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1));
    client.writeInbound(Unpooled.wrappedBuffer(hello));
    client.close();
    assertThat(connection.state()).isEqualTo(State.CLOSED);
    assertThat(closed("client_closed", "app")).isEqualTo(1);

    TcpLikeChannel late = dialer.connectNext();
    assertThat(late.closedWith()).isEqualTo(CloseReason.CloseAction.FIN);
    assertThat(written(late)).as("nothing sent for a client that left").isEmpty();
    assertThat(accessLine()).containsEntry("reason", "client_closed");
  }

  @Test
  void aRawPortIsDialledAtAcceptAndRelaysWhatTheClientSendsAfterTheHeader() {
    ProxyConnection connection = accept(table(1, Route.raw("db", 443).withOrigin(Origin.STATIC, 0)
        .withProxyProtocol(ProxyProtocol.V2).withBackends(List.of(B1))));
    assertThat(connection.state()).as("nothing to sniff").isEqualTo(State.DIALING);
    assertThat(dialer.dialled()).containsExactly(B1);

    TcpLikeChannel backend = dialer.connectNext();
    client.writeInbound(bytes("SELECT 1"));
    assertThat(written(backend)).isEqualTo(ClientHellos.concat(ProxyHeaderV2.encode(CLIENT, REACHED),
        "SELECT 1".getBytes(StandardCharsets.US_ASCII)));
    assertThat(sniffed("found") + sniffed("no_sni") + sniffed("not_tls")).as("no sniff outcome").isZero();
    backend.finishAndReleaseAll();
  }

  // ---- table swaps ----------------------------------------------------------------------------------------

  @Test
  void aSwapThatRemovesTheRouteStartsTheDrainClockAndTheDeadlineEndsTheConnection() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1));
    client.writeInbound(Unpooled.wrappedBuffer(hello));
    TcpLikeChannel backend = dialer.connectNext();
    written(backend);

    connection.onTableSwap(table(2, route("other", "other.example.com", ProxyProtocol.OFF, B2)));
    assertThat(connection.draining()).isTrue();
    assertThat(drains.open(B1)).isEqualTo(1);
    assertThat(metrics.count(MetricNames.DRAINS, "route", "app")).isEqualTo(1);

    advance(DRAIN_TIMEOUT.minusMillis(1));
    client.writeInbound(bytes("still here"));
    assertThat(text(backend)).as("a draining connection relays on").isEqualTo("still here");
    assertThat(connection.state()).isEqualTo(State.RELAYING);

    advance(Duration.ofMillis(1));
    runPending(client, backend);
    assertThat(connection.state()).isEqualTo(State.CLOSED);
    assertThat(closed("drain_deadline", "app")).isEqualTo(1);
    assertThat(client.closedWith()).isEqualTo(CloseReason.CloseAction.FIN);
    assertThat(backend.closedWith()).isEqualTo(CloseReason.CloseAction.FIN);
    assertThat(drains.open(B1)).as("no longer counted as draining").isZero();
    backend.finishAndReleaseAll();
  }

  @Test
  void aSwapThatKeepsTheRouteAndBackendLeavesTheConnectionAlone() {
    ProxyConnection connection = accept(twoRoutes(ProxyProtocol.OFF, B1));
    client.writeInbound(Unpooled.wrappedBuffer(hello));
    TcpLikeChannel backend = dialer.connectNext();

    connection.onTableSwap(twoRoutes(ProxyProtocol.OFF, B1, B2));
    assertThat(connection.draining()).isFalse();
    advance(DRAIN_TIMEOUT.plusSeconds(1));
    assertThat(connection.state()).isEqualTo(State.RELAYING);
    backend.finishAndReleaseAll();
  }
}
