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
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Measures event-loop stalls: a tiny task on every event loop re-arms itself every {@link #TICK}; how late it runs
 * is how long the loop was kept from it. A stall of D shows as a lag of at least D - {@link #TICK}. Vert.x's
 * blocked-thread checker only speaks up after seconds; this sees the 50 ms stalls that delay connection set-up on
 * the same loop. Each task also reads its loop thread's scheduler statistics ({@link ThreadSchedule}, one system
 * call), so a stall is put down to a {@link StallCause}: the loop's own work, a wait for a core, or a pause.
 *
 * <p>Meters: {@link MetricNames#EVENT_LOOP_LAG_MAX} (the worst lag since start) and
 * {@link MetricNames#EVENT_LOOP_STALLS} (lags of at least {@link #STALL}) per {@link StallPhase} and
 * {@link StallCause}: a stall counts in the phase in force when its sampling window began, {@link StallPhase#START}
 * until {@link #serving()} is called, so work that began before the node was ready is the start's even when it ends
 * after. Cost: one timer task and one read per loop per tick.
 *
 * <p>Log: {@code event loop stalled} ({@code phase}, {@code stalls}: in that phase since its previous line, this one
 * included, {@code max_lag_ms} among them and its {@code cause}, {@code loop}: the thread of this one), at most one
 * line per phase per {@link #LOG_INTERVAL}; INFO while starting (expected), WARN while serving. The counter has
 * every stall.
 */
public final class EventLoopLag implements AutoCloseable {

  /** How often each loop is sampled. */
  public static final Duration TICK = Duration.ofMillis(20);
  /** A lag this long or longer counts as a stall (the goal: no event-loop stall over 50 ms). */
  public static final Duration STALL = Duration.ofMillis(50);
  /** At most one stall line per phase in this long: a loaded machine stalls in bursts. */
  public static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(EventLoopLag.class);
  private static final StallCause[] CAUSES = StallCause.values();

  private final long tickNanos = TICK.toNanos();
  private final long stallNanos = STALL.toNanos();
  private final long logIntervalNanos = LOG_INTERVAL.toNanos();
  private final LongAccumulator maxLagNanos = new LongAccumulator(Math::max, 0);
  /** Stalls by phase and cause, at {@code phase.ordinal() * CAUSES.length + cause.ordinal()}. */
  private final AtomicLongArray stalls = new AtomicLongArray(StallPhase.values().length * CAUSES.length);
  private volatile StallPhase phase = StallPhase.START;
  /** Per phase: the stalls since that phase's last line. */
  private final Map<StallPhase, Burst> unlogged = new EnumMap<>(StallPhase.class);
  /** The last line: when, in which phase; null before the first. */
  private final AtomicReference<Line> lastLine = new AtomicReference<>();
  private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
  private final List<ThreadSchedule> schedules = new ArrayList<>();
  private volatile boolean closed;

  private record Line(long atNanos, StallPhase phase) {}

  /** Stalls not yet in a line, the worst of them and its cause; stalls are rare, so a lock is cheap. */
  private static final class Burst {
    private long stalls;
    private long maxLagNanos;
    private StallCause maxCause = StallCause.UNKNOWN;

    synchronized void add(long lagNanos, StallCause cause) {
      stalls++;
      if (lagNanos > maxLagNanos) {
        maxLagNanos = lagNanos;
        maxCause = cause;
      }
    }

    /** What was added since the last take, and empties it. */
    synchronized Taken take() {
      Taken taken = new Taken(stalls, maxLagNanos / 1_000_000, maxCause);
      stalls = 0;
      maxLagNanos = 0;
      maxCause = StallCause.UNKNOWN;
      return taken;
    }
  }

  private record Taken(long stalls, long maxLagMs, StallCause cause) {}

  EventLoopLag() {
    for (StallPhase p : StallPhase.values()) { // filled once: read without a lock from every loop
      unlogged.put(p, new Burst());
    }
  }

  /** Starts sampling every loop of {@code loops}; with {@code registry} non-null its meters are registered. */
  public static EventLoopLag start(EventLoopGroup loops, MeterRegistry registry) {
    EventLoopLag lag = new EventLoopLag();
    for (EventExecutor loop : loops) {
      loop.execute(() -> lag.arm(loop, lag.firstWindow()));
    }
    if (registry != null) {
      Gauge.builder(MetricNames.EVENT_LOOP_LAG_MAX, lag, l -> l.maxLagNanos() / 1e9).baseUnit("seconds")
          .register(registry);
      for (StallPhase p : StallPhase.values()) {
        for (StallCause c : CAUSES) { // unknown stays 0 where the system has scheduler statistics
          FunctionCounter.builder(MetricNames.EVENT_LOOP_STALLS, lag, l -> l.stalls(p, c))
              .tags("phase", p.label(), "cause", c.label()).register(registry);
        }
      }
    }
    return lag;
  }

  /**
   * One loop's sampling window: its thread's schedule (null where the system has none), when the window began,
   * the thread's times then (null if unread), and the phase then (the phase a stall ending it counts in).
   */
  private record Window(ThreadSchedule schedule, long fromNanos, ThreadSchedule.Sample times, StallPhase phase) {}

  private void arm(EventExecutor loop, Window window) {
    if (closed) {
      return;
    }
    long due = window.fromNanos() + tickNanos;
    ScheduledFuture<?> f = loop.schedule(() -> arm(loop, sample(window, due)), tickNanos, TimeUnit.NANOSECONDS);
    synchronized (scheduled) {
      scheduled.removeIf(ScheduledFuture::isDone);
      scheduled.add(f);
    }
  }

  /** Runs on the loop, {@code due} being when it should have: books the lag and opens the next window. */
  private Window sample(Window window, long due) {
    ThreadSchedule.Sample times = window.schedule() == null ? null : window.schedule().read();
    long now = System.nanoTime();
    long lag = now - due;
    record(lag, lag >= stallNanos ? cause(lag, window.times(), times) : StallCause.UNKNOWN, window.phase(), now);
    return new Window(window.schedule(), now, times, phase);
  }

  /** Runs on the loop: opens its thread's schedule, kept to be closed with the sampler, and the first window. */
  private Window firstWindow() {
    ThreadSchedule schedule = ThreadSchedule.ofCurrentThread();
    if (schedule != null) {
      synchronized (schedules) {
        if (closed) {
          schedule.close();
          schedule = null;
        } else {
          schedules.add(schedule);
        }
      }
    }
    return new Window(schedule, System.nanoTime(), schedule == null ? null : schedule.read(), phase);
  }

  private static StallCause cause(long lagNanos, ThreadSchedule.Sample before, ThreadSchedule.Sample after) {
    if (before == null || after == null) {
      return StallCause.UNKNOWN;
    }
    return StallCause.of(lagNanos, after.ranNanos() - before.ranNanos(), after.queuedNanos() - before.queuedNanos());
  }

  /**
   * Books a lag of {@code lagNanos} put down to {@code cause} (read only for a stall) in phase {@code p}, measured at
   * {@code nowNanos} ({@link System#nanoTime()}).
   */
  void record(long lagNanos, StallCause cause, StallPhase p, long nowNanos) {
    if (lagNanos <= 0) {
      return;
    }
    maxLagNanos.accumulate(lagNanos);
    if (lagNanos >= stallNanos) {
      stalls.incrementAndGet(index(p, cause));
      unlogged.get(p).add(lagNanos, cause);
      maybeLog(p, nowNanos);
    }
  }

  private static int index(StallPhase phase, StallCause cause) {
    return phase.ordinal() * CAUSES.length + cause.ordinal();
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
    Taken burst = unlogged.get(p).take();
    LOG.atLevel(p == StallPhase.SERVING ? Level.WARN : Level.INFO).addKeyValue("phase", p.label())
        .addKeyValue("stalls", burst.stalls()).addKeyValue("max_lag_ms", burst.maxLagMs())
        .addKeyValue("cause", burst.cause().label())
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
    for (StallPhase p : StallPhase.values()) {
      sum += stalls(p);
    }
    return sum;
  }

  /** Lags of at least {@link #STALL} seen while {@code p} was in force. */
  public long stalls(StallPhase p) {
    long sum = 0;
    for (StallCause c : CAUSES) {
      sum += stalls(p, c);
    }
    return sum;
  }

  /** Lags of at least {@link #STALL} seen while {@code p} was in force and put down to {@code cause}. */
  public long stalls(StallPhase p, StallCause cause) {
    return stalls.get(index(p, cause));
  }

  @Override
  public void close() {
    closed = true;
    synchronized (scheduled) {
      scheduled.forEach(f -> f.cancel(false));
      scheduled.clear();
    }
    synchronized (schedules) {
      schedules.forEach(ThreadSchedule::close);
      schedules.clear();
    }
  }
}
