package dev.ghost.ingress.cluster;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetServerOptions;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;

/**
 * Counts and logs every connection to this node's event-bus port that fails the mutual-TLS handshake
 * ({@link TrustChannel#EVENT_BUS_TLS}): a stranger without a certificate, with one no holder of the secret signed,
 * or speaking something else than TLS; and, apart from those, a handshake that did not finish (timed out, or closed
 * by the peer: no evidence of a stranger, see {@link TrustRefusal#evidence()}).
 *
 * <p>Why here: Vert.x's clustered event bus owns its TCP server and reports a failed handshake only to that server's
 * exception handler, which it never sets; it copies the options through JSON, so no wrapped trust manager survives
 * either ({@link ClusterTls}). What it does keep is the transport: every Vert.x server hands its Netty bootstrap to
 * {@code Transport.configure}, and {@link WatchedTransport} passes the event-bus server's (the one whose key and
 * certificate are this node's, {@link #isEventBus}) to {@link #watch}, which follows each accepted connection's
 * {@link SslHandler} handshake. Connections that complete it are left alone; nothing is read or written.
 */
final class EventBusHandshakes {

  /** The JDK's text when a client sends an empty certificate list to a server that requires one (TLS 1.2, 1.3). */
  private static final String EMPTY_CHAIN = "Empty client certificate chain";
  /**
   * Netty's text when the peer closes the connection while the handshake is under way (before it began, the cause
   * is a {@link ClosedChannelException}).
   */
  private static final String CLOSED_IN_HANDSHAKE = "Connection closed while SSL/TLS handshake was in progress";

  private final KeyCertOptions eventBusKeyCert;
  private final ClusterTrust trust;

  /** Watches the server configured with {@code eventBus}'s key and certificate; refusals go to {@code trust}. */
  EventBusHandshakes(EventBusOptions eventBus, ClusterTrust trust) {
    this.eventBusKeyCert = Objects.requireNonNull(eventBus.getKeyCertOptions(), "event bus without TLS");
    this.trust = trust;
  }

  /**
   * True for the event bus's own server: Vert.x builds its options from a JSON copy of ours, so its key and
   * certificate are equal to ours (a fresh key per node start: no other server in this process has them).
   */
  boolean isEventBus(NetServerOptions options) {
    return options.isSsl() && eventBusKeyCert.equals(options.getKeyCertOptions());
  }

  /** Puts the handshake watch in front of {@code bootstrap}'s child handler (Vert.x has set it by now). */
  void watch(ServerBootstrap bootstrap) {
    ChannelHandler vertx = bootstrap.config().childHandler();
    bootstrap.childHandler(new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        // Vert.x's initializer adds its SslHandler synchronously: once it has run, the handshake can be followed
        ch.pipeline().addLast(vertx);
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl != null) {
          ssl.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
              trust.refused(TrustChannel.EVENT_BUS_TLS, reason(f.cause()), peer(ch.remoteAddress()));
            }
          });
        }
      }
    });
  }

  /** The refusal a failed handshake's cause stands for. */
  static TrustRefusal reason(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SslHandshakeTimeoutException) {
        return TrustRefusal.HANDSHAKE_TIMEOUT; // the bus's own timer (EventBusOptions.sslHandshakeTimeout) fired
      }
      if (t instanceof java.security.cert.CertificateException
          || t instanceof java.security.cert.CertPathValidatorException) {
        return TrustRefusal.UNTRUSTED_CERTIFICATE;
      }
      if (t.getMessage() != null && t.getMessage().contains(EMPTY_CHAIN)) {
        return TrustRefusal.NO_CERTIFICATE;
      }
      if (t instanceof ClosedChannelException
          || (t.getMessage() != null && t.getMessage().contains(CLOSED_IN_HANDSHAKE))) {
        return TrustRefusal.HANDSHAKE_CLOSED;
      }
    }
    return TrustRefusal.HANDSHAKE_FAILED;
  }

  /** The peer's IP address, without the port: one log line per peer, not per connection attempt. */
  private static String peer(SocketAddress remote) {
    return remote instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress() : String.valueOf(remote);
  }
}
