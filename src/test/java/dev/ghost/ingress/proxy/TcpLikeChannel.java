package dev.ghost.ingress.proxy;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DuplexChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An {@link EmbeddedChannel} that passes for a connected TCP socket, without one: it has real IP addresses, takes a
 * half-close ({@link #shutdownOutput}, our FIN) and {@code SO_LINGER}, and remembers both, so a test can tell how it
 * was closed: RST is a close after {@code SO_LINGER 0} ({@link Sockets#reset}), FIN any other close.
 */
final class TcpLikeChannel extends EmbeddedChannel implements DuplexChannel {

  private final InetSocketAddress local;
  private final InetSocketAddress remote;
  /** Set lazily: the superclass constructor already asks for the config. */
  private LingerConfig config;
  private boolean inputShutdown;
  private boolean outputShutdown;

  /** A channel from {@code local} to {@code remote}, registered and active, reads off, nothing in its pipeline. */
  TcpLikeChannel(InetSocketAddress local, InetSocketAddress remote) {
    this.local = local;
    this.remote = remote;
    config().setAutoRead(false);
  }

  /** How it was closed; null while open. */
  CloseReason.CloseAction closedWith() {
    if (isOpen()) {
      return null;
    }
    return Integer.valueOf(0).equals(config.linger) ? CloseReason.CloseAction.RST : CloseReason.CloseAction.FIN;
  }

  @Override
  public ChannelConfig config() {
    if (config == null) {
      config = new LingerConfig(this);
    }
    return config;
  }

  @Override
  protected SocketAddress localAddress0() {
    return local;
  }

  @Override
  protected SocketAddress remoteAddress0() {
    return remote;
  }

  @Override
  public InetSocketAddress localAddress() {
    return local;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public boolean isInputShutdown() {
    return inputShutdown;
  }

  @Override
  public ChannelFuture shutdownInput() {
    return shutdownInput(newPromise());
  }

  @Override
  public ChannelFuture shutdownInput(ChannelPromise promise) {
    inputShutdown = true;
    return promise.setSuccess();
  }

  @Override
  public boolean isOutputShutdown() {
    return outputShutdown;
  }

  @Override
  public ChannelFuture shutdownOutput() {
    return shutdownOutput(newPromise());
  }

  @Override
  public ChannelFuture shutdownOutput(ChannelPromise promise) {
    outputShutdown = true;
    return promise.setSuccess();
  }

  @Override
  public boolean isShutdown() {
    return inputShutdown && outputShutdown;
  }

  @Override
  public ChannelFuture shutdown() {
    return shutdown(newPromise());
  }

  @Override
  public ChannelFuture shutdown(ChannelPromise promise) {
    inputShutdown = true;
    outputShutdown = true;
    return promise.setSuccess();
  }

  /** The embedded channel's options, plus the linger a socket would take. */
  private static final class LingerConfig extends DefaultChannelConfig {
    private Integer linger;

    LingerConfig(TcpLikeChannel channel) {
      super(channel);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
      if (option == ChannelOption.SO_LINGER) {
        validate(option, value);
        linger = (Integer) value;
        return true;
      }
      return super.setOption(option, value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
      return option == ChannelOption.SO_LINGER ? (T) linger : super.getOption(option);
    }
  }
}
