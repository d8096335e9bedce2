package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.IpLiterals;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.BindException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bindings of one listener instance as an explicit lifecycle: each one it holds has one {@link BindingState},
 * changed only here, on the instance's event loop, and reported to the node-wide {@link BoundSockets} at each change
 * (which logs and counts what changed for the node, once).
 *
 * <p>{@link #reconcile} moves the held bindings toward a plan: what the plan no longer has is released, what it
 * gained is bound, what it cannot bind (a clash) is failed. A binding released while its listen is under way is closed
 * as soon as it is bound; one wanted again while it is being released is bound again once the close completed, so an
 * address is never bound twice by one instance. Failures at runtime are retried every {@link #RETRY_MS} ms while the
 * binding is wanted; at start-up the first failure fails {@link #reconcile}.
 */
final class ListenerBindings {

  private static final Logger LOG = LoggerFactory.getLogger(ListenerVerticle.class);
  /** A binding that failed at runtime (address in use, not yet on the host) is tried again at this period. */
  static final long RETRY_MS = 1_000;

  /**
   * One instance's state of one binding, as {@link BoundSockets} records it.
   *
   * @param state where the binding stands
   * @param port  the real port when {@link BindingState#BOUND}, else -1
   * @param error why when {@link BindingState#FAILED}, or why the last try failed while a retry is
   *              {@link BindingState#BINDING}; else null
   */
  record Report(BindingState state, int port, String error) {}

  /** A held binding: its state and the listen call behind it (null when failed before any). */
  private static final class Held {
    BindingState state;
    Future<Listening> opening;
    /** Released while {@link BindingState#RELEASING} and wanted again: bind anew once the close completed. */
    boolean rebind;
    /** Why it failed, while {@link BindingState#FAILED}. */
    String error;

    Held(BindingState state, Future<Listening> opening) {
      this.state = state;
      this.opening = opening;
    }
  }

  private final Vertx vertx;
  private final Listening.Binder binder;
  private final BoundSockets node;
  private final int instance;
  private final Function<Binding, Consumer<Downstream>> acceptor;
  private final Consumer<String> bindFailures;
  private final LongSupplier releaseGraceMs;
  private final Map<Binding, Held> held = new HashMap<>();
  private Set<Binding> wanted = Set.of();
  private long retryTimer = -1;
  /** No more binds: the instance drains or stops. */
  private boolean closed;

  /**
   * @param binder       how this instance's transport binds
   * @param node         the node-wide view the states are reported to
   * @param acceptor     per binding, what takes its accepted clients
   * @param bindFailures   counts a bind failure of a listener label (once per failure of the node)
   * @param releaseGraceMs how long the transport may keep the connections of a binding a new plan drops
   */
  ListenerBindings(Vertx vertx, Listening.Binder binder, BoundSockets node,
      Function<Binding, Consumer<Downstream>> acceptor, Consumer<String> bindFailures, LongSupplier releaseGraceMs) {
    this.vertx = vertx;
    this.binder = binder;
    this.node = node;
    this.instance = node.newInstance();
    this.acceptor = acceptor;
    this.bindFailures = bindFailures;
    this.releaseGraceMs = releaseGraceMs;
  }

  /**
   * Moves the held bindings toward {@code plan}. At start-up ({@code startup}) completes once every binding is bound,
   * or fails with the first failure (a clash included), its message naming the address; at runtime it always
   * succeeds, failures are reported and retried.
   */
  Future<Void> reconcile(ListenerPlan.Plan plan, boolean startup) {
    if (closed) {
      return Future.succeededFuture();
    }
    wanted = plan.bindings();
    List<Future<?>> pending = new ArrayList<>();
    for (Binding b : new ArrayList<>(held.keySet())) {
      if (!wanted.contains(b) && !plan.clashes().containsKey(b)) {
        release(b, releaseGraceMs.getAsLong());
      }
    }
    plan.clashes().forEach(this::clash);
    if (startup && !plan.clashes().isEmpty()) {
      return Future.failedFuture(plan.clashes().values().iterator().next());
    }
    for (Binding b : wanted) {
      Held h = held.get(b);
      if (h == null || h.state == BindingState.FAILED) {
        pending.add(open(b, startup));
      } else if (h.state == BindingState.RELEASING) {
        h.rebind = true;
      }
    }
    return Future.all(pending).mapEmpty();
  }

  /**
   * Releases every binding for good, its accepted connections given {@code graceMs} by the transport; completes when
   * every listening socket is closed.
   */
  Future<Void> releaseAll(long graceMs) {
    closed = true;
    cancelRetry();
    List<Future<?>> closing = new ArrayList<>();
    new ArrayList<>(held.keySet()).forEach(b -> closing.add(release(b, graceMs)));
    return Future.join(closing).mapEmpty();
  }

  private Future<Void> open(Binding b, boolean startup) {
    Future<Listening> opening = binder.open(b, acceptor.apply(b));
    Held h = new Held(BindingState.BINDING, opening);
    Held before = held.put(b, h);
    // a retry keeps the failure shown until it binds: a listen that fails again is no news
    report(b, new Report(BindingState.BINDING, -1, before != null ? before.error : null));
    Future<Listening> settled = opening
        .onSuccess(l -> onBound(b, h, l))
        .onFailure(err -> onFailed(b, h, err, startup));
    // At start-up the failure ends the process: its message is the one stderr line, so it names the address
    return startup
        ? settled.<Void>mapEmpty().recover(err -> Future.failedFuture(new BindException(
            "cannot bind " + IpLiterals.hostPort(b.host(), b.bindPort()) + " (listener " + b.label() + "): "
                + err.getMessage())))
        : settled.<Void>mapEmpty().otherwiseEmpty();
  }

  private void onBound(Binding b, Held h, Listening l) {
    if (held.get(b) != h || h.state != BindingState.BINDING) {
      return; // released while binding: its release closes it
    }
    h.state = BindingState.BOUND;
    if (report(b, new Report(BindingState.BOUND, l.port(), null)).nowBound()) {
      LOG.atInfo().addKeyValue("listener", b.label()).addKeyValue("host", b.host()).addKeyValue("port", l.port())
          .log("listening");
    }
  }

  private void onFailed(Binding b, Held h, Throwable err, boolean startup) {
    if (held.get(b) != h || h.state != BindingState.BINDING) {
      return;
    }
    h.state = BindingState.FAILED;
    h.error = String.valueOf(err.getMessage());
    if (report(b, new Report(BindingState.FAILED, -1, h.error)).nowFailed()) {
      bindFailures.accept(b.label());
      // at start-up the failure fails the start, whose one line names this binding and the reason
      if (!startup) {
        LOG.atError().setCause(err).addKeyValue("listener", b.label()).addKeyValue("bind_port", b.bindPort())
            .log("bind failed: " + err.getMessage());
      }
    }
    if (!startup) {
      scheduleRetry();
    }
  }

  /** A binding the plan cannot make: failed without a listen call (a held one is released first). */
  private void clash(Binding b, String why) {
    Held h = held.get(b);
    if (h != null && h.state != BindingState.FAILED) {
      release(b, releaseGraceMs.getAsLong());
    }
    Held failed = new Held(BindingState.FAILED, null);
    failed.error = why;
    held.put(b, failed);
    if (report(b, new Report(BindingState.FAILED, -1, why)).nowFailed()) {
      bindFailures.accept(b.label());
      LOG.atError().addKeyValue("listener", b.label()).addKeyValue("bind_port", b.bindPort()).log(why);
    }
  }

  /** Stops listening on {@code b}; the connections it accepted stay until they end or {@code graceMs} passes. */
  private Future<Void> release(Binding b, long graceMs) {
    Held h = held.get(b);
    if (h == null || h.state == BindingState.RELEASING) {
      return Future.succeededFuture();
    }
    if (h.opening == null || h.state == BindingState.FAILED) {
      held.remove(b);
      node.forget(instance, b);
      return Future.succeededFuture();
    }
    h.state = BindingState.RELEASING;
    if (report(b, new Report(BindingState.RELEASING, -1, null)).noLongerBound()) {
      LOG.atInfo().addKeyValue("listener", b.label()).log("listener closed");
    }
    return binder.close(b, h.opening, graceMs).onComplete(ar -> onReleased(b, h)).otherwiseEmpty();
  }

  private void onReleased(Binding b, Held h) {
    if (held.get(b) != h) {
      return;
    }
    held.remove(b);
    node.forget(instance, b);
    if (h.rebind && !closed && wanted.contains(b)) {
      open(b, false);
    }
  }

  private BoundSockets.Change report(Binding b, Report r) {
    return node.report(instance, b, r);
  }

  /** Reconciles the failed bindings again soon, without waiting for a table swap. */
  private void scheduleRetry() {
    if (retryTimer >= 0 || closed) {
      return;
    }
    retryTimer = vertx.setTimer(RETRY_MS, t -> {
      retryTimer = -1;
      if (closed) {
        return;
      }
      List<Binding> failed = new ArrayList<>();
      held.forEach((b, h) -> {
        if (h.state == BindingState.FAILED && h.opening != null && wanted.contains(b)) {
          failed.add(b);
        }
      });
      failed.forEach(b -> open(b, false));
    });
  }

  private void cancelRetry() {
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
  }

  /** The bindings this instance holds, by state (tests, and the lifecycle's own invariants). */
  Map<Binding, BindingState> states() {
    Map<Binding, BindingState> out = new HashMap<>();
    held.forEach((b, h) -> out.put(b, h.state));
    return out;
  }
}
