package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * The data path's meters. Thread-safe; meters are created once per label set and cached, so the hot path does a
 * map lookup and an increment.
 */
public final class IngressMetrics {

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
  private final Map<String, Boolean> registered = new ConcurrentHashMap<>();

  public IngressMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void accepted(String listener) {
    counter(MetricNames.CONNECTIONS_ACCEPTED, "listener", listener).increment();
  }

  /** Adds {@code delta} to the listener's open-connection gauge. */
  public void listenerActive(String listener, int delta) {
    gauge(MetricNames.CONNECTIONS_ACTIVE, "listener", listener).addAndGet(delta);
  }

  public void routeActive(String route, int delta) {
    gauge(MetricNames.ROUTE_CONNECTIONS_ACTIVE, "route", route).addAndGet(delta);
  }

  public void closed(String reason, String route) {
    counter(MetricNames.CONNECTIONS_CLOSED, "reason", reason, "route", route).increment();
  }

  public void sniff(String outcome) {
    counter(MetricNames.SNIFF, "outcome", outcome).increment();
  }

  public void connectFailure(String route, String kind) {
    counter(MetricNames.UPSTREAM_CONNECT_FAILURES, "route", route, "kind", kind).increment();
  }

  public void panic(String route) {
    counter(MetricNames.UPSTREAM_PANIC, "route", route).increment();
  }

  public void bytes(String route, long fromClient, long fromBackend) {
    counter(MetricNames.BYTES_FROM_CLIENT, "route", route).increment(fromClient);
    counter(MetricNames.BYTES_FROM_BACKEND, "route", route).increment(fromBackend);
  }

  public void bindFailure(String listener) {
    counter(MetricNames.LISTENER_BIND_FAILURES, "listener", listener).increment();
  }

  public void drainStarted(String route) {
    counter(MetricNames.DRAINS, "route", route).increment();
  }

  public void syncError(String kind) {
    counter(MetricNames.SYNC_ERRORS, "kind", kind).increment();
  }

  public void syncEvents(String outcome, int n) {
    if (n > 0) {
      counter(MetricNames.SYNC_EVENTS, "outcome", outcome).increment(n);
    }
  }

  public void syncTable() {
    counter(MetricNames.SYNC_TABLES).increment();
  }

  public void stateFileLoad(String outcome) {
    counter(MetricNames.STATE_FILE_LOADS, "outcome", outcome).increment();
  }

  public void configReloadFailure(String reason) {
    counter(MetricNames.CONFIG_RELOAD_FAILURES, "reason", reason).increment();
  }

  public void configReload(String trigger) {
    counter(MetricNames.CONFIG_RELOADS, "trigger", trigger).increment();
  }

  public void stateFileWriteFailure() {
    counter(MetricNames.STATE_FILE_WRITE_FAILURES).increment();
  }

  public void drainsFileLoad(String outcome) {
    counter(MetricNames.DRAINS_FILE_LOADS, "outcome", outcome).increment();
  }

  public void drainsFileWriteFailure() {
    counter(MetricNames.DRAINS_FILE_WRITE_FAILURES).increment();
  }

  /** One active health probe finished with {@code result} (success, refused, timeout, error). */
  public void probeResult(String result) {
    counter(MetricNames.HEALTH_PROBES, "result", result).increment();
  }

  /** A backend's probe verdict went {@code to} down or up. */
  public void probeTransition(String to) {
    counter(MetricNames.HEALTH_TRANSITIONS, "to", to).increment();
  }

  /** Registers a gauge read from {@code source} at scrape time. */
  public <T> void gaugeOf(String name, T source, ToDoubleFunction<T> value, String... tags) {
    Gauge.builder(name, source, value).tags(tags).strongReference(true).register(registry);
  }

  /** Registers a gauge once per name and labels; later calls with the same labels are no-ops. */
  public <T> void gaugeOnce(String name, T source, ToDoubleFunction<T> value, String... tags) {
    registered.computeIfAbsent(key(name, tags), k -> {
      gaugeOf(name, source, value, tags);
      return Boolean.TRUE;
    });
  }

  /** Current value of a counter, for the admin API and tests; 0 when it never counted. */
  public double count(String name, String... tags) {
    Counter c = counters.get(key(name, tags));
    return c == null ? 0 : c.count();
  }

  private Counter counter(String name, String... tags) {
    return counters.computeIfAbsent(key(name, tags), k -> registry.counter(name, Tags.of(tags)));
  }

  private AtomicLong gauge(String name, String... tags) {
    return gauges.computeIfAbsent(key(name, tags), k -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder(name, value, AtomicLong::get).tags(tags).register(registry);
      return value;
    });
  }

  private static String key(String name, String... tags) {
    return tags.length == 0 ? name : name + '|' + String.join("|", tags);
  }
}
