package dev.ghost.ingress.health;

import dev.ghost.ingress.config.IpLiterals;
import dev.ghost.ingress.route.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One L4 probe: a plain TCP connect (no TLS, nothing written, nothing read) closed as soon as it is established.
 * Never fails: every outcome is a {@link ProbeResult}. Confined to one Vert.x event-loop context: call from it;
 * results complete on it.
 *
 * <p>A probe is a bare Netty channel of the transport's own type on the context's event loop, with an empty
 * pipeline and auto-read off, not a Vert.x {@code NetSocket}: at thousands of backends the probes are most of what
 * an idle node does, and the socket, its handlers and its metrics are work a connect that is closed at once has no
 * use for (docs/behaviour.md, Backends and health). IP literals (every control-plane instance) are parsed in place;
 * a host name is looked up on a worker, as a dial does.
 */
public final class TcpProber {

  /** The whole pipeline of a probe channel: a connect needs no handler, Netty needs one to register. */
  private static final ChannelHandler NOTHING = new Nothing();

  private final ContextInternal context;
  private final ChannelFactory<? extends Channel> channels;
  /** Reused while the timeout stays the same (it changes only with a reload). */
  private Bootstrap bootstrap;
  private int bootstrapTimeoutMs;

  /** @param context the event-loop context probes are started from and complete on */
  public TcpProber(Context context) {
    this.context = (ContextInternal) context;
    this.channels = this.context.owner().transport().channelFactory(false);
  }

  /** Connects to the backend within {@code timeout} and closes at once. */
  public Future<ProbeResult> probe(Backend backend, Duration timeout) {
    PromiseInternal<ProbeResult> result = context.promise();
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    InetAddress literal = IpLiterals.address(backend.host());
    if (literal != null) {
      connect(new InetSocketAddress(literal, backend.port()), timeoutMs, result);
    } else {
      context.<InetAddress>executeBlocking(() -> InetAddress.getByName(backend.host()), false).onComplete(ar -> {
        if (ar.succeeded()) {
          connect(new InetSocketAddress(ar.result(), backend.port()), timeoutMs, result);
        } else {
          result.complete(classify(ar.cause()));
        }
      });
    }
    return result.future();
  }

  private void connect(InetSocketAddress address, int timeoutMs, PromiseInternal<ProbeResult> result) {
    ChannelFuture connect;
    try {
      connect = bootstrap(timeoutMs).connect(address);
    } catch (RuntimeException e) { // e.g. no descriptor left: a failed probe, not a failed scheduler
      result.complete(classify(e));
      return;
    }
    connect.addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        // after the connect's own completion has run: closed from inside it, Netty fails the connect promise it
        // still holds with a new exception, a stack trace per probe
        Channel ch = f.channel();
        ch.eventLoop().execute(ch::close);
        result.complete(ProbeResult.SUCCESS);
      } else {
        result.complete(classify(f.cause()));
      }
    });
  }

  private Bootstrap bootstrap(int timeoutMs) {
    if (bootstrap == null || bootstrapTimeoutMs != timeoutMs) {
      bootstrap = new Bootstrap().group(context.nettyEventLoop()).channelFactory(channels)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMs)
          .option(ChannelOption.AUTO_READ, false)
          .handler(NOTHING);
      bootstrapTimeoutMs = timeoutMs;
    }
    return bootstrap;
  }

  static ProbeResult classify(Throwable err) {
    if (err instanceof ConnectTimeoutException) {
      return ProbeResult.TIMEOUT;
    }
    return err instanceof java.net.ConnectException ? ProbeResult.REFUSED : ProbeResult.ERROR;
  }

  @ChannelHandler.Sharable
  private static final class Nothing extends ChannelInboundHandlerAdapter {}
}
