package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * One route's data-path meters ({route} label), built once per route id: a connection looks its route's meters up
 * once and counts on them to the end, without building label sets or lookup keys. Each meter is registered on its
 * first use, so {@code /metrics} shows exactly the series that counted something.
 */
public final class RouteMeters {

  private final LiveCount active;
  private final CounterFamily closed;
  private final CounterFamily connectFailures;
  private final LazyCounter panic;
  private final LazyCounter fromClient;
  private final LazyCounter fromBackend;
  private final LazyCounter drains;

  RouteMeters(MeterRegistry registry, String route) {
    Tags tags = Tags.of("route", route);
    this.active = new LiveCount(registry, MetricNames.ROUTE_CONNECTIONS_ACTIVE, tags);
    this.closed = new CounterFamily(registry, MetricNames.CONNECTIONS_CLOSED, "reason", tags);
    this.connectFailures = new CounterFamily(registry, MetricNames.UPSTREAM_CONNECT_FAILURES, "kind", tags);
    this.panic = new LazyCounter(registry, MetricNames.UPSTREAM_PANIC, tags);
    this.fromClient = new LazyCounter(registry, MetricNames.BYTES_FROM_CLIENT, tags);
    this.fromBackend = new LazyCounter(registry, MetricNames.BYTES_FROM_BACKEND, tags);
    this.drains = new LazyCounter(registry, MetricNames.DRAINS, tags);
  }

  /** Adds {@code delta} to the route's open-connection gauge. */
  public void active(int delta) {
    active.add(delta);
  }

  /** A connection closed for {@code reason} (a close reason label). */
  public void closed(String reason) {
    closed.increment(reason);
  }

  /** A connect attempt failed; {@code kind} is refused, timeout or error. */
  public void connectFailure(String kind) {
    connectFailures.increment(kind);
  }

  public void panic() {
    panic.increment();
  }

  public void bytes(long fromClient, long fromBackend) {
    this.fromClient.increment(fromClient);
    this.fromBackend.increment(fromBackend);
  }

  public void drainStarted() {
    drains.increment();
  }
}
