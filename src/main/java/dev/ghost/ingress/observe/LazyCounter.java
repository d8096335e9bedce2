package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * A counter registered on its first increment, so a label set shows in {@code /metrics} only once something was
 * counted under it. Two threads racing on the first increment both get the registry's one counter for the name and
 * tags, so the race is harmless. Once {@link #remove removed} it stays out of the registry: a late increment
 * counts on a detached counter.
 */
final class LazyCounter {

  private final MeterRegistry registry;
  private final String name;
  private final Tags tags;
  private volatile Counter counter;
  private volatile boolean removed;

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

  /** Registers the counter now, at 0 (a series that must show before anything is counted). */
  void register() {
    get();
  }

  /** Takes the counter out of the registry for good (its route left the table). */
  void remove() {
    removed = true;
    Counter c = counter;
    if (c != null) {
      registry.remove(c);
    }
  }

  private Counter get() {
    Counter c = counter;
    if (c == null) {
      c = registry.counter(name, tags);
      counter = c;
      // both flags are volatile: either this sees the removal, or the removal sees this counter
      if (removed) {
        registry.remove(c);
      }
    }
    return c;
  }
}
