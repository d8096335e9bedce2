package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * One listener's data-path meters ({listener} label), built once per listener so an accepted connection counts
 * without building a label set or a lookup key. Registered at 0 when the listener is first served: listeners are
 * few, and a listener that never got a connection shows as such.
 */
public final class ListenerMeters {

  private final Counter accepted;
  private final LiveCount active;

  ListenerMeters(MeterRegistry registry, String listener) {
    Tags tags = Tags.of("listener", listener);
    this.accepted = registry.counter(MetricNames.CONNECTIONS_ACCEPTED, tags);
    this.active = new LiveCount(registry, MetricNames.CONNECTIONS_ACTIVE, tags);
    active.register();
  }

  public void accepted() {
    accepted.increment();
  }

  /** Adds {@code delta} to the listener's open-connection gauge. */
  public void active(int delta) {
    active.add(delta);
  }
}
