package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import io.netty.channel.IoEventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServerOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Accepts client connections on one event loop. Deployed once per event loop. On native epoll each instance has its
 * own listening socket per address ({@link NativeBinder}); elsewhere the instances share Vert.x's
 * ({@link VertxBinder}). Backends are dialled from the accepted socket's own loop ({@link Dialer}), so both sockets
 * of a connection live on the same thread.
 *
 * <p>Listeners follow the route table and the listener addresses in force: after a swap, ports routes gained (and
 * addresses a config reload added) are bound and those lost are closed, without touching open connections.
 */
public final class ListenerVerticle extends VerticleBase {

  /** drain_timeout 0 means no deadline; a shutdown needs one, so take one nobody waits for. */
  static final long NO_DRAIN_DEADLINE_MS = TimeUnit.DAYS.toMillis(365);

  private final Supplier<IngressConfig.Listen> listen;
  private final RouteTableRef tables;
  private final BoundSockets bound;
  private final ProxyServices services;
  private final ReusePortSockets reusePort;
  private ListenerBindings bindings;
  private ListenerPlan.Ipv6Sockets ipv6;
  private final Set<ProxyConnection> open = new HashSet<>();
  private ProxyContext proxy;
  private Context loop;
  private boolean stopped;
  /** The node drains: listening sockets are closed for good, only accepted connections remain. */
  private boolean leaving;

  /**
   * @param listen    the listener addresses and port map in force (read at each reconcile: config reload)
   * @param tables    the node's route table reference
   * @param bound     where bind results are reported
   * @param services  the node-wide data path services
   * @param reusePort the node's native listening sockets, shared by every instance
   */
  public ListenerVerticle(Supplier<IngressConfig.Listen> listen, RouteTableRef tables, BoundSockets bound,
      ProxyServices services, ReusePortSockets reusePort) {
    this.listen = listen;
    this.tables = tables;
    this.bound = bound;
    this.services = services;
    this.reusePort = reusePort;
  }

  @Override
  public Future<?> start() {
    loop = context;
    proxy = new ProxyContext(new Dialer(vertx), services, open, new Pipes(), new SniffScratch());
    IoEventLoop epoll = Sockets.epollLoop(context);
    Listening.Binder binder = epoll != null
        ? new NativeBinder(vertx, epoll, reusePort, proxy)
        : new VertxBinder(vertx, this::serverOptions);
    ipv6 = ListenerPlan.Ipv6Sockets.of(epoll != null);
    bindings = new ListenerBindings(vertx, binder, bound, this::acceptor, proxy.metrics()::bindFailure,
        this::releaseGraceMs);
    tables.onSwap(this::onSwap);
    services.health().drains().onChange(() -> loop.runOnContext(v -> {
      if (!stopped) {
        new ArrayList<>(open).forEach(c -> c.onTableSwap(tables.current()));
      }
    }));
    return reconcile(tables.current(), true);
  }

  /** Open connections on this instance (event-loop confined; read through the admin API via the loop). */
  Set<ProxyConnection> open() {
    return proxy.open();
  }

  private void onSwap(RouteTable table) {
    loop.runOnContext(v -> {
      if (!stopped) {
        if (!leaving) {
          reconcile(table, false);
        }
        new ArrayList<>(open).forEach(c -> c.onTableSwap(table));
      }
    });
  }

  private Future<Void> reconcile(RouteTable table, boolean startup) {
    return bindings.reconcile(ListenerPlan.plan(listen.get(), table, ipv6), startup);
  }

  /** What takes the clients accepted on {@code b}: a connection each, routed on the table in force. */
  private java.util.function.Consumer<Downstream> acceptor(Binding b) {
    ProxyConnection.Listener label =
        new ProxyConnection.Listener(b.label(), b.routePort(), proxy.metrics().listener(b.label()));
    return client -> new ProxyConnection(proxy, client, label, tables.current()).start();
  }

  /** A listener a new table drops leaves its connections to drain_timeout (none when 0), not to the transport. */
  private long releaseGraceMs() {
    long drainMs = proxy.settings().drainTimeout().toMillis();
    return drainMs > 0 ? drainMs : NO_DRAIN_DEADLINE_MS;
  }

  /**
   * The node's graceful drain on this instance: closes every listening socket at once (the kernel refuses new
   * connections; accepted ones are untouched), then completes once no connection is open here, or at
   * {@code deadlineMs}, when what is left is closed as {@link CloseReason#DRAIN_DEADLINE}. Completes with how many
   * were closed at the deadline. Callable from any thread.
   */
  public Future<Integer> drainAll(long deadlineMs) {
    Promise<Integer> done = Promise.promise();
    loop.runOnContext(v -> {
      leaving = true;
      // the servers' own grace outlasts the deadline: closing at the deadline is this method's, with a reason
      bindings.releaseAll(deadlineMs + SERVER_GRACE_MARGIN_MS);
      long deadline = vertx.setTimer(Math.max(1, deadlineMs), t -> {
        List<ProxyConnection> left = new ArrayList<>(open);
        left.forEach(c -> c.abort(CloseReason.DRAIN_DEADLINE));
        done.tryComplete(left.size());
      });
      awaitNoneOpen(done, deadline);
    });
    return done.future();
  }

  /** Polls this instance's open set (a rare path: once per node drain) until it is empty. */
  private void awaitNoneOpen(Promise<Integer> done, long deadlineTimer) {
    if (done.future().isComplete()) {
      return;
    }
    if (open.isEmpty()) {
      vertx.cancelTimer(deadlineTimer);
      done.tryComplete(0);
    } else {
      vertx.setTimer(DRAIN_POLL_MS, t -> awaitNoneOpen(done, deadlineTimer));
    }
  }

  /** How often a node drain looks whether the last connection of an instance has ended. */
  private static final long DRAIN_POLL_MS = 20;
  /** Added to the node's deadline for the listening servers' own grace, so the deadline close is ours. */
  private static final long SERVER_GRACE_MARGIN_MS = 5_000;

  private NetServerOptions serverOptions() {
    return new NetServerOptions()
        .setTcpKeepAlive(proxy.settings().tcpKeepAlive())
        .setTcpNoDelay(true)
        .setReuseAddress(true);
  }

  /**
   * Undeployed (the node stops): listening sockets close; connections still open (a stop without a drain first)
   * end as at a drain deadline.
   */
  @Override
  public Future<?> stop() {
    stopped = true;
    Future<Void> closing = bindings.releaseAll(0);
    new ArrayList<>(open).forEach(c -> c.abort(CloseReason.DRAIN_DEADLINE));
    return closing.onComplete(ar -> proxy.pipes().close());
  }
}
