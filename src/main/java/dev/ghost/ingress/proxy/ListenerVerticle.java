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
import java.net.BindException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private static final Logger LOG = LoggerFactory.getLogger(ListenerVerticle.class);
  /** drain_timeout 0 means no deadline; a shutdown needs one, so take one nobody waits for. */
  private static final long NO_DRAIN_DEADLINE_MS = TimeUnit.DAYS.toMillis(365);

  private final Supplier<IngressConfig.Listen> listen;
  private final RouteTableRef tables;
  private final BoundSockets bound;
  private final ProxyServices services;
  private final ReusePortSockets reusePort;
  private final Map<Binding, Future<Listening>> servers = new HashMap<>();
  private Listening.Binder binder;
  private final Set<ProxyConnection> open = new HashSet<>();
  private ProxyContext proxy;
  private Context loop;
  private boolean stopped;
  /** The node drains: listening sockets are closed for good, only accepted connections remain. */
  private boolean leaving;
  /** Pending retry of runtime bind failures, -1 when none. */
  private long bindRetryTimer = -1;
  /** A binding that failed at runtime (address in use, not yet on the host) is tried again at this period. */
  static final long BIND_RETRY_MS = 1_000;

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
    proxy = new ProxyContext(new Dialer(vertx), services, open, new Pipes());
    IoEventLoop epoll = Sockets.epollLoop(context);
    binder = epoll != null
        ? new NativeBinder(vertx, epoll, reusePort, proxy)
        : new VertxBinder(vertx, this::serverOptions);
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
    ListenerPlan.Plan plan = ListenerPlan.plan(listen.get(), table);
    Set<Binding> desired = plan.bindings();
    Set<Binding> reported = new HashSet<>(desired);
    reported.addAll(plan.clashes().keySet());
    bound.forgetFailuresExcept(reported);
    plan.clashes().forEach((b, why) -> {
      if (bound.failed(b, why, table.version())) {
        proxy.metrics().bindFailure(b.label());
        LOG.atError().addKeyValue("listener", b.label()).addKeyValue("bind_port", b.bindPort()).log(why);
      }
    });
    if (startup && !plan.clashes().isEmpty()) {
      return Future.failedFuture(plan.clashes().values().iterator().next());
    }
    List<Future<?>> pending = new ArrayList<>();
    for (Binding b : new ArrayList<>(servers.keySet())) {
      if (!desired.contains(b)) {
        pending.add(release(b, table.version()));
      }
    }
    for (Binding b : desired) {
      if (!servers.containsKey(b)) {
        pending.add(bind(b, startup, table.version()));
      }
    }
    return Future.all(pending).mapEmpty();
  }

  private Future<Listening> bind(Binding b, boolean startup, long tableVersion) {
    ProxyConnection.Listener label =
        new ProxyConnection.Listener(b.label(), b.routePort(), proxy.metrics().listener(b.label()));
    Future<Listening> f = binder.open(b, client -> new ProxyConnection(proxy, client, label, tables.current()).start());
    servers.put(b, f);
    // A listen that completes after its binding was released (or bound anew) reports nothing: it would put a closed
    // socket's port back on /v1/status, or forget the newer binding
    f.onSuccess(l -> {
      if (servers.get(b) == f) {
        onBound(b, l.port(), tableVersion);
      }
    }).onFailure(err -> {
      if (servers.get(b) == f) {
        onBindFailed(b, err, startup, tableVersion);
      }
    });
    // At start-up the failure ends the process: its message is the one stderr line, so it names the address
    return startup
        ? f.recover(err -> Future.failedFuture(new BindException(
            "cannot bind " + bindAddress(b) + " (listener " + b.label() + "): " + err.getMessage())))
        : f.recover(err -> Future.succeededFuture());
  }

  private static String bindAddress(Binding b) {
    String h = b.host().indexOf(':') >= 0 ? "[" + b.host() + "]" : b.host();
    return h + ":" + b.bindPort();
  }

  private void onBound(Binding b, int port, long tableVersion) {
    // Atomic: instances on other event loops report the same address concurrently
    if (bound.bound(b, port, tableVersion)) {
      LOG.atInfo().addKeyValue("listener", b.label()).addKeyValue("host", b.host())
          .addKeyValue("port", port).log("listening");
    }
  }

  private void onBindFailed(Binding b, Throwable err, boolean startup, long tableVersion) {
    servers.remove(b);
    if (bound.failed(b, String.valueOf(err.getMessage()), tableVersion)) {
      proxy.metrics().bindFailure(b.label());
      LOG.atError().setCause(err).addKeyValue("listener", b.label()).addKeyValue("bind_port", b.bindPort())
          .addKeyValue("startup", startup).log("bind failed: " + err.getMessage());
    }
    if (!startup) {
      scheduleBindRetry();
    }
  }

  /** Reconciles the current table again soon, so a failed binding is retried without waiting for a table swap. */
  private void scheduleBindRetry() {
    if (bindRetryTimer >= 0 || stopped || leaving) {
      return;
    }
    bindRetryTimer = vertx.setTimer(BIND_RETRY_MS, t -> {
      bindRetryTimer = -1;
      if (!stopped && !leaving) {
        reconcile(tables.current(), false);
      }
    });
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
      if (bindRetryTimer >= 0) {
        vertx.cancelTimer(bindRetryTimer);
        bindRetryTimer = -1;
      }
      // the servers' own grace outlasts the deadline: closing at the deadline is this method's, with a reason
      // the last word on every binding: no table after a node drain binds anything again
      new ArrayList<>(servers.keySet()).forEach(b -> release(b, Long.MAX_VALUE, deadlineMs + SERVER_GRACE_MARGIN_MS));
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

  /** Stops listening on {@code b}; the connections it accepted stay until they end or the drain timeout passes. */
  private Future<Void> release(Binding b, long tableVersion) {
    long drainMs = proxy.settings().drainTimeout().toMillis();
    return release(b, tableVersion, drainMs > 0 ? drainMs : NO_DRAIN_DEADLINE_MS);
  }

  /** {@link #release(Binding, long)} with the connections' grace period given. */
  private Future<Void> release(Binding b, long tableVersion, long graceMs) {
    Future<Listening> f = servers.remove(b);
    if (bound.released(b, tableVersion)) {
      LOG.atInfo().addKeyValue("listener", b.label()).log("listener closed");
    }
    return binder.close(b, f, graceMs).recover(err -> Future.succeededFuture());
  }

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
    List<Future<?>> closing = new ArrayList<>();
    new ArrayList<>(servers.keySet()).forEach(b -> closing.add(binder.close(b, servers.remove(b), 0)));
    new ArrayList<>(open).forEach(c -> c.abort(CloseReason.DRAIN_DEADLINE));
    return Future.join(closing).onComplete(ar -> proxy.pipes().close());
  }
}
