package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.AccessLog;
import dev.ghost.ingress.observe.AddressText;
import dev.ghost.ingress.observe.ListenerMeters;
import dev.ghost.ingress.observe.RouteMeters;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.eligibility.Plan;
import dev.ghost.ingress.route.PortRoutes;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.ProxyProtocol;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.Scope;
import dev.ghost.ingress.sni.ClientHelloParser;
import dev.ghost.ingress.sni.SniResult;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One client connection, from accept to close: a state machine whose every transition is in this class.
 *
 * <p>It routes once, on the route table it was accepted under, so a table swap never changes its decision. Until
 * the relay starts, it owns the bytes it read (the sniffed ClientHello) and forwards them unchanged, after the
 * PROXY v2 header when the route asks for one.
 */
final class ProxyConnection {

  /** Where the connection is in its life. */
  enum State {
    /** Reading the ClientHello, bounded by the sniff timeout and size cap. */
    SNIFFING,
    /** Routed; connecting to a backend, client paused. */
    DIALING,
    /** Bytes flow both ways through the relay. */
    RELAYING,
    /** Closed and accounted for. */
    CLOSED
  }

  private final ProxyContext ctx;
  /**
   * The data-path settings in force at accept, read once: a reload during the connection reaches the next ones, and
   * two reads of one setting (the sniff cap, say) can never disagree.
   */
  private final IngressConfig.Proxy settings;
  private final Downstream client;
  private final Listener listener;
  private final RouteTable table;
  private final long serial;
  /** Formatted on first use: only the access log and the PROXY v2 UNIQUE_ID read it. */
  private String id;
  private final long acceptedAt = System.nanoTime();
  /** When the first dial began; 0 before. */
  private long dialStartedAt;
  /** First dial to connected, in nanoseconds; -1 until a backend connected. */
  private long connectNanos = -1;
  /** Dial attempts made (failover included). */
  private int attempts;
  private final InetSocketAddress clientAddress;
  private final InetSocketAddress reached;

  private State state = State.SNIFFING;
  private SniRouting routing;
  /**
   * The bytes read while sniffing, kept to forward: the first read as it came (the usual hello is one read), later
   * reads copied into one buffer of their own size ({@link #hold}). Null when nothing is held.
   */
  private ByteBuf held;
  /** Whether {@link #held} is that copy, which later reads are appended to, rather than a read buffer. */
  private boolean heldIsCopy;
  private byte[] sniffed = NOTHING_SNIFFED;
  private int sniffedLength;
  private long receivedBytes;
  private boolean clientFin;
  /** On the client's event loop directly: Vert.x's timers also book every timer in a shared map. */
  private ScheduledFuture<?> sniffTimer;
  private String sni;
  private Route route;
  /** The route's meters, looked up once when routed; the unrouted ones until then. */
  private RouteMeters routeMeters;
  private Backend backend;
  private Relay relay;
  private boolean draining;
  private ScheduledFuture<?> drainTimer;
  private boolean clientSlot;
  private boolean routeSlot;

  ProxyConnection(ProxyContext ctx, Downstream client, Listener listener, RouteTable table) {
    this.ctx = ctx;
    this.settings = ctx.settings();
    this.client = client;
    this.listener = listener;
    this.table = table;
    this.serial = ctx.ids().nextSerial();
    this.routeMeters = ctx.metrics().unrouted();
    this.clientAddress = Sockets.unwrap(client.remoteAddress());
    this.reached = Sockets.unwrap(client.localAddress());
  }

  private static final byte[] NOTHING_SNIFFED = new byte[0];

  /**
   * The listener that accepted a connection.
   *
   * @param label     its label in the access log and metrics
   * @param routePort the route port it serves
   * @param meters    its meters, looked up once per listener rather than per connection
   */
  record Listener(String label, int routePort, ListenerMeters meters) {}

  String id() {
    if (id == null) {
      id = ctx.ids().format(serial);
    }
    return id;
  }

  State state() {
    return state;
  }

  Route route() {
    return route;
  }

  Backend backend() {
    return backend;
  }

  void start() {
    ctx.open().add(this);
    listener.meters().accepted();
    listener.meters().active(1);
    CloseReason refused = ctx.limits().acquireClient(clientAddress.getAddress());
    if (refused != null) {
      close(refused);
      return;
    }
    clientSlot = true;
    client.onGone(this::onClientGone);
    Optional<Scope> found = table.scopeFor(reached.getAddress());
    if (found.isEmpty()) {
      close(CloseReason.UNOWNED_ADDRESS);
      return;
    }
    routing = new SniRouting(table, found.get(), listener.routePort());
    PortRoutes routes = routing.routes();
    if (routes.raw() != null) {
      routeTo(routes.raw());
    } else if (routes.isEmpty()) {
      close(CloseReason.NO_ROUTE);
    } else {
      sniffTimer = client.loop().schedule(this::onSniffTimeout,
          settings.sniffTimeout().toMillis(), TimeUnit.MILLISECONDS);
      client.consumeWith(this::onSniffMessage);
    }
  }

  // ---- SNIFFING -------------------------------------------------------------------------------------------

  private void onSniffMessage(Object msg) {
    if (state != State.SNIFFING) {
      ReferenceCountUtil.release(msg);
    } else if (msg instanceof ByteBuf buf) {
      act(routing.onHello(keepAndParse(buf)));
    } else if (msg == InputShutdown.FIN) {
      clientFin = true;
      act(routing.onFin(sniffedLength > 0));
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * Keeps the buffer to forward later and parses everything received so far (what fits under the cap). A first read
   * is parsed in the loop's scratch array; only a hello that needs another read gets an array of its own, so the
   * usual connection copies its hello once and allocates nothing for it.
   */
  private SniResult keepAndParse(ByteBuf buf) {
    int n = buf.readableBytes();
    receivedBytes += n;
    int cap = settings.maxSniffBytes();
    int copy = Math.min(n, cap - sniffedLength);
    if (sniffedLength == 0) {
      byte[] scratch = ctx.scratch().atLeast(copy);
      buf.getBytes(buf.readerIndex(), scratch, 0, copy);
      hold(buf);
      sniffedLength = copy;
      SniResult result = ClientHelloParser.parse(scratch, copy, cap);
      if (result instanceof SniResult.NeedMore && copy > 0) {
        // the next read parses all of it again: the scratch array will hold another connection's bytes by then
        sniffed = Arrays.copyOf(scratch, copy);
      }
      return result;
    }
    if (copy > 0) {
      if (sniffed.length < sniffedLength + copy) {
        sniffed = Arrays.copyOf(sniffed, Math.min(cap, Math.max(sniffedLength + copy, sniffed.length * 2)));
      }
      buf.getBytes(buf.readerIndex(), sniffed, sniffedLength, copy);
      sniffedLength += copy;
    }
    hold(buf); // last: it may release buf
    return ClientHelloParser.parse(sniffed, sniffedLength, cap);
  }

  /**
   * Keeps {@code buf}'s bytes until routing. Each read comes in a buffer of the read's size class (4 KiB), so a
   * client sending its hello a few bytes per segment would hold a buffer per segment, up to
   * {@code proxy.max_sniff_bytes} of them, each for up to the sniff timeout: 32 MiB per connection at the default cap.
   * From the second read on the bytes are copied into one buffer that grows with them, and the read is released, so
   * a connection holds about what it sent.
   */
  private void hold(ByteBuf buf) {
    if (held == null) {
      held = buf;
      return;
    }
    int n = buf.readableBytes();
    if (!heldIsCopy || held.writableBytes() < n) {
      int size = held.readableBytes() + n;
      ByteBuf copy = client.alloc().heapBuffer(heldIsCopy ? Math.max(size, 2 * held.readableBytes()) : size);
      copy.writeBytes(held, held.readerIndex(), held.readableBytes());
      held.release();
      held = copy;
      heldIsCopy = true;
    }
    held.writeBytes(buf, buf.readerIndex(), n);
    buf.release();
  }

  /** Acts on a routing decision: counts the sniff outcome, then routes, closes, or keeps waiting. */
  private void act(SniRouting.Decision d) {
    if (d.sniffOutcome() != null) {
      ctx.metrics().sniff(d.sniffOutcome());
      ctx.metrics().timings().sniffed(System.nanoTime() - acceptedAt);
    }
    if (d.sni() != null) {
      sni = d.sni();
    }
    if (d.route() != null) {
      routeTo(d.route());
    } else if (d.close() != null) {
      close(d.close());
    }
  }

  private void onSniffTimeout() {
    sniffTimer = null;
    if (state == State.SNIFFING) {
      act(routing.onTimeout(sniffedLength > 0));
    }
  }

  // ---- DIALING --------------------------------------------------------------------------------------------

  private void routeTo(Route chosen) {
    cancelSniffTimer();
    // the hello's copy is only for parsing; the connection may live for hours
    sniffed = NOTHING_SNIFFED;
    route = chosen;
    routeMeters = ctx.metrics().route(chosen.id());
    routeMeters.accepted();
    state = State.DIALING;
    client.hold();
    if (!ctx.limits().acquireRoute(route.id(), route.maxConnections())) {
      close(CloseReason.LIMIT_ROUTE);
      return;
    }
    routeSlot = true;
    routeMeters.active(1);
    Plan plan = ctx.selector().plan(route, ctx.health(), settings.connectAttempts());
    if (plan.order().isEmpty()) {
      close(CloseReason.NO_ELIGIBLE_BACKEND);
      return;
    }
    if (plan.panic()) {
      routeMeters.panic();
    }
    dial(plan.order(), 0);
  }

  /**
   * Tries the plan's backends in order; each failure is counted and ejects that backend. When none connects, the
   * client is closed as {@link CloseReason#CONNECT_FAILED} unless it already went away.
   */
  private void dial(List<Backend> plan, int attempt) {
    Backend candidate = plan.get(attempt);
    if (attempt == 0) {
      dialStartedAt = System.nanoTime();
    }
    attempts = attempt + 1;
    // the settings taken at accept: a reload during this connection reaches the next ones
    int timeoutMs = (int) settings.connectTimeout().toMillis();
    if (client instanceof ClientSocket bare) {
      ctx.dialer().dialSocket(candidate, bare.loop(), timeoutMs, settings.tcpKeepAlive(), (socket, cause) ->
          onDialed(plan, attempt, socket == null ? null : () -> onConnected(bare, socket), cause));
    } else {
      Peer peer = (Peer) client;
      ctx.dialer().dial(candidate, peer.channel(), timeoutMs, settings.tcpKeepAlive(), (channel, cause) ->
          onDialed(plan, attempt, channel == null ? null : () -> onConnected(peer, Peer.connected(channel)), cause));
    }
  }

  /** One dial attempt ended: {@code connected} takes the new socket over, else {@code cause} says why not. */
  private void onDialed(List<Backend> plan, int attempt, Runnable connected, Throwable cause) {
    Backend candidate = plan.get(attempt);
    if (connected != null) {
      backend = candidate;
      connectNanos = System.nanoTime() - dialStartedAt;
      ctx.metrics().timings().connected(connectNanos);
      ctx.health().connectSucceeded(candidate);
      connected.run();
      return;
    }
    ctx.health().connectFailed(candidate, System.nanoTime());
    routeMeters.connectFailure(ConnectFailureKind.of(cause));
    if (state != State.DIALING) {
      return;
    }
    if (attempt + 1 < plan.size()) {
      dial(plan, attempt + 1);
    } else {
      close(CloseReason.CONNECT_FAILED);
    }
  }

  /** Native epoll: both bare sockets join the splice relay, the preamble going out ahead of everything. */
  private void onConnected(ClientSocket downstream, BackendSocket upstream) {
    if (state != State.DIALING) {
      upstream.close(false);
      return;
    }
    state = State.RELAYING;
    ctx.metrics().relayStarted(SpliceRelay.KIND);
    SpliceRelay splice = new SpliceRelay(idleTimeout(), ctx.pipes());
    relay = splice;
    splice.start(downstream, upstream, preamble(), clientFin).onComplete(ar -> onRelayDone(ar.result()));
  }

  /** Other transports: the preamble is written on the backend channel, then the buffered relay takes both over. */
  private void onConnected(Peer downstream, Peer upstream) {
    if (state != State.DIALING) {
      upstream.close(CloseReason.CloseAction.FIN);
      return;
    }
    state = State.RELAYING;
    ByteBuf preamble = preamble();
    if (preamble != null && route.proxyProtocol().v2()) {
      upstream.write(preamble, ctx.metrics()::proxyHeaderWriteFailure);
    } else if (preamble != null) {
      upstream.write(preamble);
    }
    ctx.metrics().relayStarted(NettyRelay.KIND);
    NettyRelay buffered = new NettyRelay(idleTimeout());
    relay = buffered;
    buffered.start(downstream, upstream, clientFin).onComplete(ar -> onRelayDone(ar.result()));
  }

  /** The route's PROXY v2 header (if any) and the sniffed bytes, in one buffer ({@link Preamble}); null if empty. */
  private ByteBuf preamble() {
    ProxyProtocol pp = route.proxyProtocol();
    byte[] header = Preamble.header(pp, clientAddress, reached, sni, Preamble.wantsUniqueId(pp) ? id() : null);
    ByteBuf preamble = Preamble.compose(client.alloc(), header, held);
    releaseHeld();
    return preamble;
  }

  private void releaseHeld() {
    if (held != null) {
      held.release();
      held = null;
    }
  }

  private Duration idleTimeout() {
    if (route.idleTimeout() != null) {
      return route.idleTimeout();
    }
    return route.protocol() == Protocol.TLS_PASSTHROUGH ? settings.idleTimeout() : Duration.ZERO;
  }

  private void onClientGone() {
    if (state == State.SNIFFING || state == State.DIALING) {
      close(CloseReason.CLIENT_CLOSED);
    }
  }

  // ---- RELAYING / CLOSED ----------------------------------------------------------------------------------

  /**
   * After a table swap or an admin drain (docs/behaviour.md "Draining"): a relaying connection whose route is gone,
   * whose backend or PROXY mode is no longer its route's, or whose backend was drained, starts its drain clock; one
   * whose route and backend stay is untouched, and one that becomes a target again stops draining.
   */
  void onTableSwap(RouteTable next) {
    if (state != State.RELAYING) {
      return;
    }
    boolean target = isTargetIn(next);
    if (!target && !draining) {
      startDrain();
    } else if (target && draining) {
      stopDrain();
    }
  }

  private boolean isTargetIn(RouteTable next) {
    Route now = next.route(route.id());
    return now != null && now.backends().contains(backend) && now.proxyProtocol().equals(route.proxyProtocol())
        && !ctx.health().drains().isDrained(backend);
  }

  private void startDrain() {
    draining = true;
    ctx.drains().started(backend);
    routeMeters.drainStarted();
    Duration timeout = route.drainTimeout() != null ? route.drainTimeout() : settings.drainTimeout();
    if (!timeout.isZero()) {
      drainTimer = client.loop().schedule(() -> {
        drainTimer = null;
        abort(CloseReason.DRAIN_DEADLINE);
      }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void stopDrain() {
    if (draining) {
      draining = false;
      ctx.drains().stopped(backend);
    }
    cancelDrainTimer();
  }

  private void cancelDrainTimer() {
    if (drainTimer != null) {
      drainTimer.cancel(false);
      drainTimer = null;
    }
  }

  /** True while the drain clock runs. */
  boolean draining() {
    return draining;
  }

  /** Ends a connection early (drain deadline, the node's shutdown deadline); a closed one is left alone. */
  void abort(CloseReason reason) {
    if (state == State.RELAYING) {
      relay.abort(reason);
    } else if (state != State.CLOSED) {
      close(reason);
    }
  }

  private void onRelayDone(Relay.Result result) {
    state = State.CLOSED;
    stopDrain();
    if (result.preambleLost() && route.proxyProtocol().v2()) {
      ctx.metrics().proxyHeaderWriteFailure();
    }
    account(result.reason(), result.bytesFromClient(), result.bytesFromBackend());
  }

  /** Closes before the relay exists: writes nothing, FIN or RST as the reason says. */
  private void close(CloseReason reason) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    cancelSniffTimer();
    releaseHeld();
    client.refuse(reason.action());
    account(reason, 0, 0);
  }

  private void account(CloseReason reason, long fromClient, long fromBackend) {
    ctx.open().remove(this);
    if (clientSlot) {
      ctx.limits().releaseClient(clientAddress.getAddress());
    }
    if (routeSlot) {
      ctx.limits().releaseRoute(route.id());
    }
    long lifetime = System.nanoTime() - acceptedAt;
    long totalFromClient = receivedBytes + fromClient;
    listener.meters().active(-1);
    routeMeters.closed(reason.label());
    if (route != null) {
      routeMeters.bytes(totalFromClient, fromBackend);
    }
    if (routeSlot) {
      // last: the close of a removed route's last connection takes the route's series away
      routeMeters.active(-1);
    }
    ctx.metrics().timings().closed(lifetime);
    if (ctx.accessLog().enabled()) {
      logAccess(reason, totalFromClient, fromBackend, lifetime);
    }
  }

  private void logAccess(CloseReason reason, long fromClient, long fromBackend, long lifetimeNanos) {
    ctx.accessLog().log(new AccessLog.Entry(
        id(),
        AddressText.of(clientAddress),
        listener.label(),
        sni,
        route == null ? null : route.id(),
        backend == null ? null : backend.toString(),
        attempts,
        connectNanos < 0 ? null : connectNanos / 1_000_000.0,
        fromClient,
        fromBackend,
        lifetimeNanos / 1_000_000,
        reason.label()));
  }

  private void cancelSniffTimer() {
    if (sniffTimer != null) {
      sniffTimer.cancel(false);
      sniffTimer = null;
    }
  }
}
