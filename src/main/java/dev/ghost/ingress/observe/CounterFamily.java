package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters of one name and fixed tags that differ in one more label (a close reason, a sniff outcome, a failure
 * kind): each is registered on its first increment, or at 0 by {@link #register}, then found by one map lookup on
 * the label value. The values come from closed lists, so the family stays small.
 */
final class CounterFamily {

  private final MeterRegistry registry;
  private final String name;
  private final String label;
  private final Tags fixed;
  private final ConcurrentHashMap<String, Counter> byValue = new ConcurrentHashMap<>();
  private volatile boolean removed;

  CounterFamily(MeterRegistry registry, String name, String label, Tags fixed) {
    this.registry = registry;
    this.name = name;
    this.label = label;
    this.fixed = fixed;
  }

  void increment(String value) {
    get(value).increment();
  }

  /** Registers the counters of {@code values} at 0: series shown before anything is counted under them. */
  void register(Iterable<String> values) {
    values.forEach(this::get);
  }

  /** Takes every counter of the family out of the registry for good. */
  void remove() {
    removed = true;
    byValue.values().forEach(registry::remove);
  }

  private Counter get(String value) {
    Counter c = byValue.get(value);
    if (c == null) {
      c = byValue.computeIfAbsent(value, v -> registry.counter(name, fixed.and(label, v)));
      if (removed) {
        registry.remove(c);
      }
    }
    return c;
  }
}
