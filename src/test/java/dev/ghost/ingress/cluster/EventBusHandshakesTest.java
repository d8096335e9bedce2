package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The event-bus handshake watch on real loopback sockets, through the transport a secured node runs on
 * ({@link WatchedTransport}) and a server made from the bus options as the clustered event bus makes it: a peer
 * that does not finish the handshake in time is a {@code handshake_timeout}, one that closes before its end a
 * {@code handshake_closed} (no evidence of a stranger: a genuine member under load does either, logged at info),
 * apart from a peer that fails to prove the secret (a warning).
 */
class EventBusHandshakesTest {

  private static final Duration DEADLINE = Duration.ofSeconds(20);
  /** The server's handshake timeout: short, so that a silent peer times out within the test. */
  private static final long HANDSHAKE_TIMEOUT_MS = 300;

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ClusterTrust trust = ClusterTrustTest.trust(ClusterTrustTest.SECRET);
  final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  final Logger refusalLog = (Logger) LoggerFactory.getLogger(ClusterRefusals.class);
  Level levelBefore;
  Vertx vertx;
  NetServer server;

  @BeforeEach
  void start() {
    lines.start();
    levelBefore = refusalLog.getLevel();
    refusalLog.setLevel(Level.INFO); // the tests' root level is WARN: the timeout's line is an info
    refusalLog.addAppender(lines);
    trust.countIn(new IngressMetrics(registry));
    EventBusOptions bus = ClusterTls.secure(new EventBusOptions(), trust);
    VertxOptions options = new VertxOptions().setEventBusOptions(bus);
    vertx = Vertx.builder().with(options).withTransport(WatchedTransport.forEventBus(options, trust)).build();
    // as ClusteredEventBus makes its server: from the bus options' JSON
    server = vertx.createNetServer(new NetServerOptions(bus.toJson()).setHost("127.0.0.1").setPort(0)
            .setSslHandshakeTimeout(HANDSHAKE_TIMEOUT_MS).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectHandler(s -> s.handler(s::write)).listen().await();
  }

  @AfterEach
  void stop() {
    refusalLog.detachAppender(lines);
    refusalLog.setLevel(levelBefore);
    vertx.close().await();
  }

  @Test
  void aPeerThatDoesNotFinishTheHandshakeInTimeIsATimeoutNotARefusal() throws IOException {
    try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), server.actualPort())) {
      silent.setSoTimeout((int) DEADLINE.toMillis());
      // a genuine member too slow to answer looks like this: connected, nothing sent; the node gives up
      assertThat(drain(silent.getInputStream())).as("nothing but at most an alert").isLessThan(16);
    }
    awaitCount(TrustRefusal.HANDSHAKE_TIMEOUT, 1);
    assertThat(count(TrustRefusal.HANDSHAKE_FAILED)).as("not counted as a failed proof").isZero();
    assertThat(logged(TrustRefusal.HANDSHAKE_TIMEOUT)).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.INFO);
      assertThat(e.getFormattedMessage()).startsWith("cluster connection unfinished: ");
    });
  }

  @Test
  void aPeerThatClosesBeforeTheHandshakeEndsIsUnfinishedNotARefusal() throws IOException {
    try (Socket gaveUp = new Socket(InetAddress.getLoopbackAddress(), server.actualPort())) {
      // a member whose own handshake timeout fired first, or that died: the start of a record, then gone
      gaveUp.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
    }
    awaitCount(TrustRefusal.HANDSHAKE_CLOSED, 1);
    assertThat(count(TrustRefusal.HANDSHAKE_FAILED)).as("not counted as a failed proof").isZero();
    assertThat(logged(TrustRefusal.HANDSHAKE_CLOSED)).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.INFO);
      assertThat(e.getFormattedMessage()).startsWith("cluster connection unfinished: ");
    });
  }

  @Test
  void aPeerThatFailsToProveTheSecretIsARefusalNotATimeout() throws IOException {
    try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.actualPort())) {
      plain.setSoTimeout((int) DEADLINE.toMillis());
      plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(drain(plain.getInputStream())).isLessThan(16);
    }
    NetClient noCertificate = vertx.createNetClient(new NetClientOptions().setSsl(true).setTrustAll(true)
        .setHostnameVerificationAlgorithm("").setConnectTimeout(5_000));
    // with TLS 1.3 the client may finish its side before the node refuses: the node's count is what matters
    catchThrowable(() -> noCertificate.connect(server.actualPort(), "127.0.0.1").await().write("ping").await());
    awaitCount(TrustRefusal.HANDSHAKE_FAILED, 1);
    awaitCount(TrustRefusal.NO_CERTIFICATE, 1);
    assertThat(count(TrustRefusal.HANDSHAKE_TIMEOUT) + count(TrustRefusal.HANDSHAKE_CLOSED))
        .as("a refusal is no unfinished handshake").isZero();
    for (TrustRefusal r : List.of(TrustRefusal.HANDSHAKE_FAILED, TrustRefusal.NO_CERTIFICATE)) {
      assertThat(logged(r)).as(r.label()).singleElement().satisfies(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.WARN);
        assertThat(e.getFormattedMessage()).startsWith("cluster message refused: ");
      });
    }
  }

  @Test
  void nettysHandshakeTimeoutIsATimeoutWhereverItIsInTheCauseChain() {
    SslHandshakeTimeoutException timeout = new SslHandshakeTimeoutException("handshake timed out after 10000ms");
    assertThat(EventBusHandshakes.reason(timeout)).isEqualTo(TrustRefusal.HANDSHAKE_TIMEOUT);
    assertThat(EventBusHandshakes.reason(new IOException("wrapped", timeout))).isEqualTo(TrustRefusal.HANDSHAKE_TIMEOUT);
    assertThat(EventBusHandshakes.reason(new SSLHandshakeException("Empty client certificate chain")))
        .isEqualTo(TrustRefusal.NO_CERTIFICATE);
    assertThat(EventBusHandshakes.reason(new SSLHandshakeException(
        "Connection closed while SSL/TLS handshake was in progress"))).isEqualTo(TrustRefusal.HANDSHAKE_CLOSED);
    assertThat(EventBusHandshakes.reason(new java.nio.channels.ClosedChannelException()))
        .isEqualTo(TrustRefusal.HANDSHAKE_CLOSED);
    assertThat(EventBusHandshakes.reason(new SSLHandshakeException("Unsupported or unrecognized SSL message")))
        .isEqualTo(TrustRefusal.HANDSHAKE_FAILED);
    assertThat(List.of(TrustRefusal.values())).filteredOn(r -> !r.evidence())
        .containsExactly(TrustRefusal.HANDSHAKE_TIMEOUT, TrustRefusal.HANDSHAKE_CLOSED);
  }

  private void awaitCount(TrustRefusal reason, double atLeast) {
    Await.until(reason.label() + " counted", DEADLINE, () -> count(reason) >= atLeast,
        () -> registry.getMetersAsString());
  }

  private double count(TrustRefusal reason) {
    var c = registry.find(MetricNames.CLUSTER_REFUSALS).tag("channel", TrustChannel.EVENT_BUS_TLS.label())
        .tag("reason", reason.label()).counter();
    return c == null ? 0 : c.count();
  }

  private List<ILoggingEvent> logged(TrustRefusal reason) {
    return lines.list.stream().filter(e -> e.getKeyValuePairs() != null && e.getKeyValuePairs().stream()
        .anyMatch(kv -> kv.key.equals("reason") && reason.label().equals(kv.value))).toList();
  }

  private static int drain(InputStream in) {
    int n = 0;
    try {
      while (in.read() != -1) {
        n++;
      }
    } catch (IOException reset) {
      // a reset after the alert ends it too
    }
    return n;
  }
}
