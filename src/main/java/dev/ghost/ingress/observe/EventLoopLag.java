package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Measures event-loop stalls: a tiny task on every event loop re-arms itself every {@link #TICK}; how late it runs
 * is how long the loop was busy with something else. A stall of D shows as a lag of at least D - {@link #TICK}.
 * Vert.x's blocked-thread checker only speaks up after seconds; this sees the 50 ms stalls that delay connection
 * set-up on the same loop.
 *
 * <p>Meters: {@link MetricNames#EVENT_LOOP_LAG_MAX} (the worst lag since start) and
 * {@link MetricNames#EVENT_LOOP_STALLS} (lags of at least {@link #STALL}) per {@link StallPhase}: a stall counts in
 * the phase in force when the late task runs, {@link StallPhase#START} until {@link #serving()} is called. Cost: one
 * timer task per loop per tick.
 *
 * <p>Log: {@code event loop stalled} ({@code phase}, {@code stalls}: in that phase since its previous line, this one
 * included, {@code max_lag_ms} among them, {@code loop}: the thread of this one), at most one line per phase per
 * {@link #LOG_INTERVAL}; INFO while starting (expected), WARN while serving. The counter has every stall.
 */
public final class EventLoopLag implements AutoCloseable {

  /** How often each loop is sampled. */
  public static final Duration TICK = Duration.ofMillis(20);
  /** A lag this long or longer counts as a stall (the goal: no event-loop stall over 50 ms). */
  public static final Duration STALL = Duration.ofMillis(50);
  /** At most one stall line per phase in this long: a loaded machine stalls in bursts. */
  public static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(EventLoopLag.class);

  private final long tickNanos = TICK.toNanos();
  private final long stallNanos = STALL.toNanos();
  private final LongAccumulator maxLagNanos = new LongAccumulator(Math::max, 0);
  private final Map<StallPhase, AtomicLong> stalls = new EnumMap<>(StallPhase.class);
  private volatile StallPhase phase = StallPhase.START;
  private final long logIntervalNanos = LOG_INTERVAL.toNanos();
  /** Per phase: stalls and their worst lag since that phase's last line. */
  private final Map<StallPhase, AtomicLong> unlogged = new EnumMap<>(StallPhase.class);
  private final Map<StallPhase, LongAccumulator> unloggedMax = new EnumMap<>(StallPhase.class);
  /** The last line: when, in which phase; null before the first. */
  private final AtomicReference<Line> lastLine = new AtomicReference<>();

  private record Line(long atNanos, StallPhase phase) {}
  private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
  private volatile boolean closed;

  EventLoopLag() {
    for (StallPhase p : StallPhase.values()) { // filled once: read without a lock from every loop
      stalls.put(p, new AtomicLong());
      unlogged.put(p, new AtomicLong());
      unloggedMax.put(p, new LongAccumulator(Math::max, 0));
    }
  }

  /** Starts sampling every loop of {@code loops}; with {@code registry} non-null its meters are registered. */
  public static EventLoopLag start(EventLoopGroup loops, MeterRegistry registry) {
    EventLoopLag lag = new EventLoopLag();
    for (EventExecutor loop : loops) {
      lag.arm(loop, System.nanoTime());
    }
    if (registry != null) {
      Gauge.builder(MetricNames.EVENT_LOOP_LAG_MAX, lag, l -> l.maxLagNanos() / 1e9).baseUnit("seconds")
          .register(registry);
      for (StallPhase p : StallPhase.values()) {
        FunctionCounter.builder(MetricNames.EVENT_LOOP_STALLS, lag, l -> l.stalls(p)).tag("phase", p.label())
            .register(registry);
      }
    }
    return lag;
  }

  private void arm(EventExecutor loop, long from) {
    if (closed) {
      return;
    }
    long due = from + tickNanos;
    ScheduledFuture<?> f = loop.schedule(() -> {
      long now = System.nanoTime();
      record(now - due, now);
      arm(loop, now);
    }, tickNanos, TimeUnit.NANOSECONDS);
    synchronized (scheduled) {
      scheduled.removeIf(ScheduledFuture::isDone);
      scheduled.add(f);
    }
  }

  /** Books a lag of {@code lagNanos} measured at {@code nowNanos} ({@link System#nanoTime()}). */
  void record(long lagNanos, long nowNanos) {
    if (lagNanos <= 0) {
      return;
    }
    maxLagNanos.accumulate(lagNanos);
    if (lagNanos >= stallNanos) {
      StallPhase p = phase;
      stalls.get(p).incrementAndGet();
      unlogged.get(p).incrementAndGet();
      unloggedMax.get(p).accumulate(lagNanos);
      maybeLog(p, nowNanos);
    }
  }

  /** One line for the stalls of {@code p} since its last one, unless one was written less than an interval ago. */
  private void maybeLog(StallPhase p, long nowNanos) {
    Line last = lastLine.get();
    if (last != null && last.phase() == p && nowNanos - last.atNanos() < logIntervalNanos) {
      return;
    }
    if (!lastLine.compareAndSet(last, new Line(nowNanos, p))) {
      return; // another loop writes the line
    }
    long n = unlogged.get(p).getAndSet(0);
    long maxMs = unloggedMax.get(p).getThenReset() / 1_000_000;
    LOG.atLevel(p == StallPhase.SERVING ? Level.WARN : Level.INFO).addKeyValue("phase", p.label())
        .addKeyValue("stalls", n).addKeyValue("max_lag_ms", maxMs)
        .addKeyValue("loop", Thread.currentThread().getName()).log("event loop stalled");
  }

  /**
   * The node is ready: stalls from now on count as {@link StallPhase#SERVING}. Called once, when {@code /readyz}
   * first answers 200; a node that drains later stays in that phase.
   */
  public void serving() {
    phase = StallPhase.SERVING;
  }

  /** The phase stalls are counted in now. */
  public StallPhase phase() {
    return phase;
  }

  /** The worst lag seen since start, in nanoseconds. */
  public long maxLagNanos() {
    return maxLagNanos.get();
  }

  /** Lags of at least {@link #STALL} seen since start, in every phase. */
  public long stalls() {
    long sum = 0;
    for (AtomicLong n : stalls.values()) {
      sum += n.get();
    }
    return sum;
  }

  /** Lags of at least {@link #STALL} seen while {@code p} was in force. */
  public long stalls(StallPhase p) {
    return stalls.get(p).get();
  }

  @Override
  public void close() {
    closed = true;
    synchronized (scheduled) {
      scheduled.forEach(f -> f.cancel(false));
      scheduled.clear();
    }
  }
}
