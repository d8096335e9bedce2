package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * A counter registered on its first increment, so a label set shows in {@code /metrics} only once something was
 * counted under it. Two threads racing on the first increment both get the registry's one counter for the name and
 * tags, so the race is harmless.
 */
final class LazyCounter {

  private final MeterRegistry registry;
  private final String name;
  private final Tags tags;
  private volatile Counter counter;

  LazyCounter(MeterRegistry registry, String name, Tags tags) {
    this.registry = registry;
    this.name = name;
    this.tags = tags;
  }

  void increment() {
    get().increment();
  }

  void increment(double amount) {
    get().increment(amount);
  }

  private Counter get() {
    Counter c = counter;
    if (c == null) {
      c = registry.counter(name, tags);
      counter = c;
    }
    return c;
  }
}
