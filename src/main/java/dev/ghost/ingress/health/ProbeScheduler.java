package dev.ghost.ingress.health;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.ProbeStatus;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node: probes every backend of the current route table with a plain TCP connect and records the rise/fall
 * verdict in {@link BackendHealth#probes()}, where the selector reads it.
 *
 * <p>Each backend has its own due time: the first probe at a hashed offset within the interval, then every interval
 * ±10% ({@link ProbeSchedule}). One timer serves them all: it wakes for the earliest due time, but at most once per
 * {@value #TICK_MS} ms, and starts every probe due by then, so thousands of backends cost a few wakeups a second
 * instead of one timer (and one wakeup) per probe. At most {@link #maxInFlight} probes run at once; the others wait
 * in a queue. Backends
 * added by a table swap start being probed (optimistic: eligible until {@code fall} probes fail); removed ones stop
 * and are forgotten, and a late result for them is dropped. A successful probe also ends a passive ejection.
 *
 * <p>Settings come from the injected supplier at every probe, so a changed interval, timeout, rise, fall or enabled
 * flag applies from the next probe. When disabled, timers keep ticking without probing and every verdict is cleared
 * (eligibility then ignores probes). Everything runs on this verticle's context.
 */
public final class ProbeScheduler extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ProbeScheduler.class);
  /** Default bound on probes in flight at once. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 256;
  /** Shortest time between two wakeups of the probe timer; a probe starts at most this much after it is due. */
  static final long TICK_MS = 50;

  private final String nodeId;
  private final Supplier<IngressConfig.Health> settings;
  private final BackendHealth health;
  private final RouteTableRef tables;
  private final IngressMetrics metrics;
  private final int maxInFlight;
  private final Map<Backend, Tracked> tracked = new HashMap<>();
  private final ArrayDeque<Tracked> pending = new ArrayDeque<>();
  /** Backends waiting for their next probe; a forgotten one is skipped when it comes up. */
  private final ProbeTimeline<Tracked> waiting = new ProbeTimeline<>(TICK_MS);
  private long timerId = -1;
  private long timerAtMs = Long.MAX_VALUE;
  private TcpProber prober;
  private Runnable unsubscribe;
  /** The table the probes were last reconciled with (the event loop's only). */
  private RouteTable reconciled;
  private int inFlight;
  private boolean enabled;

  /** One probed backend; replaced (never reused) when a backend leaves and comes back. */
  private static final class Tracked {
    final Backend backend;
    ProbeState state = ProbeState.initial();
    boolean gone;

    Tracked(Backend backend) {
      this.backend = backend;
    }
  }

  /**
   * @param nodeId      seeds the first-probe offsets
   * @param settings    the health settings, read at every probe (a live supplier makes them hot-reloadable)
   * @param health      where verdicts go, and whose passive ejection a success clears
   * @param tables      the node's route table: its backends are what is probed
   * @param metrics     meters
   * @param maxInFlight most probes running at once
   */
  public ProbeScheduler(String nodeId, Supplier<IngressConfig.Health> settings, BackendHealth health,
      RouteTableRef tables, IngressMetrics metrics, int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
    }
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.health = Objects.requireNonNull(health, "health");
    this.tables = Objects.requireNonNull(tables, "tables");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.maxInFlight = maxInFlight;
  }

  @Override
  public Future<?> start() {
    prober = new TcpProber(context);
    IngressConfig.Health h = settings.get();
    enabled = h.enabled();
    LOG.atInfo().addKeyValue("node_id", nodeId).addKeyValue("enabled", enabled)
        .addKeyValue("interval_ms", h.interval().toMillis()).addKeyValue("timeout_ms", h.timeout().toMillis())
        .addKeyValue("rise", h.rise()).addKeyValue("fall", h.fall()).log("health: active TCP probing");
    unsubscribe = tables.onSwap(t -> context.runOnContext(v -> reconcile(tables.current())));
    reconcile(tables.current());
    return Future.succeededFuture();
  }

  /**
   * Starts probing backends new in the table, stops and forgets those no longer in it. When the table was derived
   * from the one reconciled last, only the backends of the routes that changed are looked at (the cost of the
   * change); otherwise every backend of the table is.
   */
  private void reconcile(RouteTable table) {
    RouteTable previous = reconciled;
    reconciled = table;
    Optional<RouteTable.Change> change = previous == null ? Optional.empty() : table.changeFrom(previous);
    if (change.isPresent()) {
      change.get().removed().forEach(r -> r.backends().forEach(b -> forgetIfGone(b, table)));
      change.get().added().forEach(r -> r.backends().forEach(this::track));
      return;
    }
    List<Tracked> gone = new ArrayList<>();
    tracked.values().forEach(t -> {
      if (!table.hasBackend(t.backend)) {
        gone.add(t);
      }
    });
    gone.forEach(t -> forgetIfGone(t.backend, table));
    table.backends().forEach(this::track);
  }

  private void forgetIfGone(Backend b, RouteTable table) {
    Tracked t = tracked.get(b);
    if (t == null || table.hasBackend(b)) {
      return;
    }
    tracked.remove(b);
    t.gone = true; // skipped when its due time comes
    health.probes().set(t.backend, ProbeStatus.UNKNOWN);
  }

  private void track(Backend b) {
    if (!tracked.containsKey(b)) {
      Tracked t = new Tracked(b);
      tracked.put(b, t);
      schedule(t, ProbeSchedule.firstDelayMs(nodeId, b, settings.get().interval().toMillis()));
    }
  }

  private void schedule(Tracked t, long delayMs) {
    waiting.add(t, nowMs() + delayMs);
    arm();
  }

  /** Sets the timer for the next wakeup of the timeline, unless it is already set for that time or sooner. */
  private void arm() {
    long at = waiting.nextWakeMs();
    if (at == Long.MAX_VALUE || (timerId >= 0 && timerAtMs <= at)) {
      return;
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    timerAtMs = at;
    timerId = vertx.setTimer(Math.max(1, at - nowMs()), id -> {
      timerId = -1;
      timerAtMs = Long.MAX_VALUE;
      // what was due at the planned time runs now, even if the clock reads a little earlier (the delay was rounded)
      waiting.wake(Math.max(nowMs(), at)).forEach(t -> {
        if (!t.gone) {
          due(t);
        }
      });
      arm();
    });
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }

  private void due(Tracked t) {
    if (t.gone) {
      return;
    }
    if (!checkEnabled()) {
      scheduleNext(t);
      return;
    }
    if (inFlight < maxInFlight) {
      run(t);
    } else {
      pending.add(t);
    }
  }

  /** Notices the enabled flag flipping; turning probing off forgets every verdict. */
  private boolean checkEnabled() {
    boolean now = settings.get().enabled();
    if (now != enabled) {
      enabled = now;
      tracked.values().forEach(t -> t.state = ProbeState.initial());
      health.probes().clear();
      LOG.atInfo().addKeyValue("node_id", nodeId).addKeyValue("enabled", now).log("health: active probing switched");
    }
    return now;
  }

  private void run(Tracked t) {
    inFlight++;
    prober.probe(t.backend, settings.get().timeout()).onComplete(ar -> {
      inFlight--;
      onResult(t, ar.succeeded() ? ar.result() : ProbeResult.ERROR);
      runPending();
    });
  }

  private void runPending() {
    while (inFlight < maxInFlight && !pending.isEmpty()) {
      Tracked next = pending.poll();
      if (!next.gone) {
        run(next);
      }
    }
  }

  private void onResult(Tracked t, ProbeResult result) {
    metrics.probeResult(result.label());
    if (t.gone || !checkEnabled()) {
      if (!t.gone) {
        scheduleNext(t);
      }
      return; // removed from the table meanwhile: its verdict would resurrect nothing, so it is dropped
    }
    IngressConfig.Health h = settings.get();
    ProbeState before = t.state;
    ProbeState after = before.next(result == ProbeResult.SUCCESS, h.rise(), h.fall());
    t.state = after;
    if (result == ProbeResult.SUCCESS) {
      health.connectSucceeded(t.backend);
    }
    if (after.isDown() != before.isDown()) {
      String to = (after.isDown() ? ProbeTransition.DOWN : ProbeTransition.UP).label();
      metrics.probeTransition(to);
      LOG.atInfo().addKeyValue("node_id", nodeId).addKeyValue("backend", t.backend.toString())
          .addKeyValue("probe", to).addKeyValue("result", result.label())
          .addKeyValue("consecutive", after.isDown() ? after.failures() : after.successes())
          .log("health: probe state changed");
    }
    // counted before it is visible: whoever sees the new verdict (selector, /v1/routes) also sees the transition
    if (after.status() != before.status()) {
      health.probes().set(t.backend, after.status());
    }
    scheduleNext(t);
  }

  private void scheduleNext(Tracked t) {
    long interval = settings.get().interval().toMillis();
    schedule(t, ProbeSchedule.nextDelayMs(interval, ThreadLocalRandom.current().nextDouble()));
  }

  @Override
  public Future<?> stop() {
    if (unsubscribe != null) {
      unsubscribe.run();
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    tracked.values().forEach(t -> t.gone = true);
    tracked.clear();
    pending.clear();
    waiting.clear();
    return Future.succeededFuture(); // nothing to release: every probe channel closes itself
  }
}
