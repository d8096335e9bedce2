package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * One listener's data-path meters ({listener} label), built once per listener so an accepted connection counts
 * without building a label set or a lookup key.
 */
public final class ListenerMeters {

  private final LazyCounter accepted;
  private final LiveCount active;

  ListenerMeters(MeterRegistry registry, String listener) {
    Tags tags = Tags.of("listener", listener);
    this.accepted = new LazyCounter(registry, MetricNames.CONNECTIONS_ACCEPTED, tags);
    this.active = new LiveCount(registry, MetricNames.CONNECTIONS_ACTIVE, tags);
  }

  public void accepted() {
    accepted.increment();
  }

  /** Adds {@code delta} to the listener's open-connection gauge. */
  public void active(int delta) {
    active.add(delta);
  }
}
