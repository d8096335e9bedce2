package dev.ghost.ingress.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.transport.Transport;
import java.net.SocketAddress;
import java.util.concurrent.ThreadFactory;

/**
 * The Vert.x transport a secured clustered node runs on: the one Vert.x would pick itself (native when preferred
 * and available, else NIO), doing exactly what it does, except that the event-bus server's bootstrap also gets the
 * {@link EventBusHandshakes} watch. Every other server, client and socket is configured by the chosen transport
 * alone.
 */
public final class WatchedTransport {

  private WatchedTransport() {}

  /**
   * The transport for a Vert.x built with {@code options} (its event-bus options already secured by
   * {@link ClusterPlan#eventBusOptions(ClusterTrust)}), whose failed event-bus handshakes {@code trust} counts. A
   * preferred native transport that cannot load is returned as is, so Vert.x falls back to NIO and reports why
   * exactly as without this class; such a node does not count failed handshakes.
   */
  public static Transport forEventBus(VertxOptions options, ClusterTrust trust) {
    EventBusHandshakes watch = new EventBusHandshakes(options.getEventBusOptions(), trust);
    Transport chosen = options.getPreferNativeTransport() ? Transport.nativeTransport() : null;
    if (chosen == null) {
      return wrap(Transport.NIO, new WatchedNio(watch));
    }
    if (!chosen.available()) {
      return chosen;
    }
    return wrap(chosen, new Delegating(chosen.implementation(), watch));
  }

  private static Transport wrap(Transport base, io.vertx.core.spi.transport.Transport implementation) {
    return new Transport() {
      @Override
      public String name() {
        return base.name();
      }

      @Override
      public boolean available() {
        return base.available();
      }

      @Override
      public Throwable unavailabilityCause() {
        return base.unavailabilityCause();
      }

      @Override
      public io.vertx.core.spi.transport.Transport implementation() {
        return implementation;
      }
    };
  }

  /** NIO, watched. A subclass, not a delegate: Vert.x tells NIO from native by {@code instanceof NioTransport}. */
  private static final class WatchedNio extends NioTransport {
    private final EventBusHandshakes watch;

    WatchedNio(EventBusHandshakes watch) {
      this.watch = watch;
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      super.configure(options, domainSocket, bootstrap);
      if (watch.isEventBus(options)) {
        watch.watch(bootstrap);
      }
    }
  }

  /** A native transport, watched: every call goes to it. */
  private static final class Delegating implements io.vertx.core.spi.transport.Transport {
    private final io.vertx.core.spi.transport.Transport base;
    private final EventBusHandshakes watch;

    Delegating(io.vertx.core.spi.transport.Transport base, EventBusHandshakes watch) {
      this.base = base;
      this.watch = watch;
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      base.configure(options, domainSocket, bootstrap);
      if (watch.isEventBus(options)) {
        watch.watch(bootstrap);
      }
    }

    @Override
    public boolean supportsDomainSockets() {
      return base.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return base.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return base.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return base.unavailabilityCause();
    }

    @Override
    public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
      return base.convert(address);
    }

    @Override
    public io.vertx.core.net.SocketAddress convert(SocketAddress address) {
      return base.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return base.ioHandlerFactory();
    }

    @Override
    public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory threadFactory, int ioRatio) {
      return base.eventLoopGroup(type, threads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return base.datagramChannel();
    }

    @Override
    @SuppressWarnings("deprecation") // the SPI's own signature
    public DatagramChannel datagramChannel(io.netty.channel.socket.InternetProtocolFamily family) {
      return base.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return base.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return base.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      base.configure(channel, options);
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      base.configure(options, connectTimeout, domainSocket, bootstrap);
    }
  }
}
