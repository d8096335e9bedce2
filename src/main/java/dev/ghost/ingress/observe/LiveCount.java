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
  private volatile boolean registered;

  LiveCount(MeterRegistry registry, String name, Tags tags) {
    this.registry = registry;
    this.name = name;
    this.tags = tags;
  }

  void add(int delta) {
    value.addAndGet(delta);
    if (!registered) {
      Gauge.builder(name, value, AtomicLong::get).tags(tags).strongReference(true).register(registry);
      registered = true;
    }
  }
}
