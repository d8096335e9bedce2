package dev.ghost.ingress.eligibility;

import dev.ghost.ingress.route.Backend;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Passive health: a failed connect ejects a backend for an exponentially growing time (base, doubling up to max),
 * one success restores it. Thread-safe and lock-free; every event loop of the node shares one instance.
 *
 * <p>Only a failure after an ejection has expired doubles the backoff. Failures of connects that were already in
 * flight, or of panic-mode attempts, while the backend is ejected are counted but do not extend the ejection;
 * otherwise one burst of simultaneous failures would jump straight to the maximum.
 */
public final class BackendHealth {

  /** Default first ejection. */
  public static final Duration DEFAULT_BASE = Duration.ofSeconds(1);
  /** Default longest ejection. */
  public static final Duration DEFAULT_MAX = Duration.ofSeconds(300);

  private final long baseNanos;
  private final long maxNanos;
  private final LongSupplier clock;
  private final ConcurrentHashMap<Backend, State> states = new ConcurrentHashMap<>();
  private final AdminDrains drains = new AdminDrains();
  private final ProbeVerdicts probes = new ProbeVerdicts();

  /**
   * @param base  first ejection time
   * @param max   cap on the ejection time
   * @param clock nanosecond clock, e.g. {@code System::nanoTime}; compared by difference only
   */
  public BackendHealth(Duration base, Duration max, LongSupplier clock) {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 < base <= max, got base=" + base + " max=" + max);
    }
    this.baseNanos = base.toNanos();
    this.maxNanos = max.toNanos();
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Defaults (1 s doubling to 300 s) on {@link System#nanoTime()}. */
  public BackendHealth() {
    this(DEFAULT_BASE, DEFAULT_MAX, System::nanoTime);
  }

  /** Backends drained by an operator (fleet-wide admin command): never offered to new connections. */
  public AdminDrains drains() {
    return drains;
  }

  /** Verdicts of the node's active TCP prober: a probe-down backend is skipped like an ejected one. */
  public ProbeVerdicts probes() {
    return probes;
  }

  /**
   * True when health (passive ejection or active probes) keeps the backend from new connections at
   * {@code nowNanos}; panic mode may still try it. Admin drains are not health: see {@link #drains()}.
   */
  public boolean isUnhealthy(Backend backend, long nowNanos) {
    return probes.isDown(backend) || isEjected(backend, nowNanos);
  }

  /** The backend's state as the admin API shows it. */
  public BackendState state(Backend backend, long nowNanos) {
    if (drains.isDrained(backend)) {
      return BackendState.DRAINED;
    }
    if (probes.isDown(backend)) {
      return BackendState.PROBE_DOWN;
    }
    return isEjected(backend, nowNanos) ? BackendState.EJECTED : BackendState.ELIGIBLE;
  }

  /** The injected clock's current reading. */
  public long now() {
    return clock.getAsLong();
  }

  /** True while the backend is ejected at {@code nowNanos}. */
  public boolean isEjected(Backend backend, long nowNanos) {
    State s = states.get(backend);
    return s != null && nowNanos - s.ejectedUntil < 0;
  }

  /** A connect to the backend failed at {@code nowNanos}: eject it, or eject it for longer if it failed before. */
  public void connectFailed(Backend backend, long nowNanos) {
    states.compute(backend, (b, s) -> {
      if (s == null) {
        return new State(1, 1, nowNanos + baseNanos);
      }
      if (nowNanos - s.ejectedUntil < 0) {
        return new State(s.failures + 1, s.ejections, s.ejectedUntil);
      }
      int ejections = s.ejections + 1;
      return new State(s.failures + 1, ejections, nowNanos + backoff(ejections));
    });
  }

  /** A connect (or an active probe) succeeded: the backend is healthy again and its backoff resets. */
  public void connectSucceeded(Backend backend) {
    states.remove(backend);
  }

  /** Forgets backends that are no longer in any route, so the map does not grow forever. */
  public void retainOnly(Collection<Backend> live) {
    Collection<Backend> keep = live instanceof Set<?> ? live : Set.copyOf(live);
    states.keySet().retainAll(keep);
    probes.retainOnly(keep);
  }

  /** For the admin API: every backend with recent failures, sorted by address. */
  public Map<Backend, Status> snapshot() {
    long now = clock.getAsLong();
    Map<Backend, Status> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    states.forEach((b, s) -> {
      long remaining = Math.max(0, s.ejectedUntil - now);
      out.put(b, new Status(remaining > 0, Duration.ofNanos(remaining), s.failures));
    });
    return out;
  }

  /** Ejection time after the n-th consecutive ejection: base * 2^(n-1), capped at max without overflow. */
  private long backoff(int ejections) {
    int shift = ejections - 1;
    if (shift >= 62 || baseNanos > (maxNanos >> shift)) {
      return maxNanos;
    }
    return Math.min(maxNanos, baseNanos << shift);
  }

  private record State(int failures, int ejections, long ejectedUntil) {}

  /**
   * A backend's passive health as the admin API shows it.
   *
   * @param ejected             not offered to new connections right now (except in panic mode)
   * @param ejectedFor          time left until it is offered again; zero when not ejected
   * @param consecutiveFailures failed connects since the last success
   */
  public record Status(boolean ejected, Duration ejectedFor, int consecutiveFailures) {}
}
