package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An up-down count exported as a gauge, registered on its first change (like {@link LazyCounter}). Racing first
 * changes register the same value object, so the registry's one gauge always reads this count.
 */
final class LiveCount {

  private final MeterRegistry registry;
  private final String name;
  private final Tags tags;
  private final AtomicLong value = new AtomicLong();
  private volatile Gauge gauge;
  private volatile boolean removed;

  LiveCount(MeterRegistry registry, String name, Tags tags) {
    this.registry = registry;
    this.name = name;
    this.tags = tags;
  }

  /** Adds {@code delta}; returns the count after it. */
  long add(int delta) {
    long now = value.addAndGet(delta);
    if (gauge == null) {
      register();
    }
    return now;
  }

  long value() {
    return value.get();
  }

  /** Registers the gauge now (at the current count); idempotent. */
  void register() {
    Gauge g = Gauge.builder(name, value, AtomicLong::get).tags(tags).strongReference(true).register(registry);
    gauge = g;
    if (removed) {
      registry.remove(g);
    }
  }

  /** Takes the gauge out of the registry for good. */
  void remove() {
    removed = true;
    Gauge g = gauge;
    if (g != null) {
      registry.remove(g);
    }
  }
}
