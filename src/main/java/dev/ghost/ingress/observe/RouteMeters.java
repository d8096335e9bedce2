package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One route's data-path meters ({route} label), built once per route id: a connection looks its route's meters up
 * once and counts on them to the end, without building label sets or lookup keys. Each meter is registered on its
 * first use, so {@code /metrics} shows exactly the series that counted something, and a route without traffic costs
 * no series (100 000 routes in a table: only those that get connections pay for theirs).
 *
 * <p>When the route leaves the table it is {@link #retire retired}: its series are removed from the registry once
 * its last connection closed (connections still draining on it keep counting until then) and a scrape has shown
 * their final values ({@link IngressMetrics#scrape}), so route churn cannot grow the registry without bound and no
 * count is lost to a scraper.
 */
public final class RouteMeters {

  private final LazyCounter accepted;
  private final LiveCount active;
  private final CounterFamily closed;
  private final CounterFamily connectFailures;
  private final LazyCounter panic;
  private final LazyCounter fromClient;
  private final LazyCounter fromBackend;
  private final LazyCounter drains;
  private final AtomicBoolean removed = new AtomicBoolean();
  /** Set before {@link #retired} (a volatile write publishes it). */
  private Runnable onRemoved;
  private volatile boolean retired;

  RouteMeters(MeterRegistry registry, String route) {
    Tags tags = Tags.of("route", route);
    this.accepted = new LazyCounter(registry, MetricNames.ROUTE_CONNECTIONS_ACCEPTED, tags);
    this.active = new LiveCount(registry, MetricNames.ROUTE_CONNECTIONS_ACTIVE, tags);
    this.closed = new CounterFamily(registry, MetricNames.CONNECTIONS_CLOSED, "reason", tags);
    this.connectFailures = new CounterFamily(registry, MetricNames.UPSTREAM_CONNECT_FAILURES, "kind", tags);
    this.panic = new LazyCounter(registry, MetricNames.UPSTREAM_PANIC, tags);
    this.fromClient = new LazyCounter(registry, MetricNames.BYTES_FROM_CLIENT, tags);
    this.fromBackend = new LazyCounter(registry, MetricNames.BYTES_FROM_BACKEND, tags);
    this.drains = new LazyCounter(registry, MetricNames.DRAINS, tags);
  }

  /** A connection was routed to this route (counted before the route's connection limit). */
  public void accepted() {
    accepted.increment();
  }

  /** Adds {@code delta} to the route's open-connection gauge. */
  public void active(int delta) {
    active.add(delta);
  }

  /** A connection closed for {@code reason} (a close reason label). */
  public void closed(String reason) {
    closed.increment(reason);
  }

  /** Registers the close counters of {@code reasons} at 0 (the unrouted meters show every reason from start). */
  void registerClosed(Iterable<String> reasons) {
    closed.register(reasons);
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

  /**
   * The route left the table: its series go with the first scrape that finds no connection open on it
   * ({@link #removeIfIdle}); {@code forget} then runs once (it drops this object from the lookup maps).
   */
  void retire(Runnable forget) {
    onRemoved = forget;
    retired = true;
  }

  /** Retired, and no connection open on it: the next scrape shows its final values. */
  boolean idleRetired() {
    return retired && active.value() == 0;
  }

  /** Removes the series if the route is still retired and idle (a scrape has just shown their final values). */
  void removeIfIdle() {
    if (idleRetired()) {
      removeAll();
    }
  }

  /** The route is in the table (again): its series stay. */
  void keep() {
    retired = false;
  }

  private void removeAll() {
    if (!removed.compareAndSet(false, true)) {
      return;
    }
    accepted.remove();
    active.remove();
    closed.remove();
    connectFailures.remove();
    panic.remove();
    fromClient.remove();
    fromBackend.remove();
    drains.remove();
    onRemoved.run();
  }
}
