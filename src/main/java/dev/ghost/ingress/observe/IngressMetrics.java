package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The node's meters. Thread-safe. The data path's meters are grouped per listener ({@link ListenerMeters}) and per
 * route ({@link RouteMeters}) and built once, so a connection counts on objects it already holds; the rarer events
 * look their counter up by name and labels.
 */
public final class IngressMetrics {

  /** The route label of connections closed before they were routed. */
  public static final String UNROUTED = "none";

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Boolean> registered = new ConcurrentHashMap<>();
  private final Map<String, ListenerMeters> listeners = new ConcurrentHashMap<>();
  private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
  private final RouteMeters unrouted;
  private final CounterFamily sniffs;
  private final CounterFamily relays;

  public IngressMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.unrouted = route(UNROUTED);
    this.sniffs = new CounterFamily(registry, MetricNames.SNIFF, "outcome", Tags.empty());
    this.relays = new CounterFamily(registry, MetricNames.RELAYS, "relay", Tags.empty());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * A listener's meters; the same object for the same label. Kept for the node's life like the series they feed,
   * and bounded by the listener addresses the node ever served.
   */
  public ListenerMeters listener(String label) {
    ListenerMeters m = listeners.get(label);
    return m != null ? m : listeners.computeIfAbsent(label, l -> new ListenerMeters(registry, l));
  }

  /**
   * A route's meters; the same object for the same route id. They outlive the route in the table on purpose: a
   * connection still draining on a removed route counts its close on them, and the registry keeps the route's
   * series as it always did, so dropping this object would gain nothing.
   */
  public RouteMeters route(String routeId) {
    RouteMeters m = routes.get(routeId);
    return m != null ? m : routes.computeIfAbsent(routeId, r -> new RouteMeters(registry, r));
  }

  /** The meters of connections closed before routing (route label {@value #UNROUTED}). */
  public RouteMeters unrouted() {
    return unrouted;
  }

  public void accepted(String listener) {
    listener(listener).accepted();
  }

  /** Adds {@code delta} to the listener's open-connection gauge. */
  public void listenerActive(String listener, int delta) {
    listener(listener).active(delta);
  }

  public void routeActive(String route, int delta) {
    route(route).active(delta);
  }

  public void closed(String reason, String route) {
    route(route).closed(reason);
  }

  /** One ClientHello sniff outcome (found, no_sni, not_tls, ...). */
  public void sniff(String outcome) {
    sniffs.increment(outcome);
  }

  /** One relay started: {@code splice} or {@code buffered}. */
  public void relayStarted(String kind) {
    relays.increment(kind);
  }

  public void connectFailure(String route, String kind) {
    route(route).connectFailure(kind);
  }

  public void panic(String route) {
    route(route).panic();
  }

  public void bytes(String route, long fromClient, long fromBackend) {
    route(route).bytes(fromClient, fromBackend);
  }

  public void bindFailure(String listener) {
    counter(MetricNames.LISTENER_BIND_FAILURES, "listener", listener).increment();
  }

  /** An accept on {@code listener} failed for lack of resources. Thread-safe. */
  public void acceptFailure(String listener) {
    counter(MetricNames.LISTENER_ACCEPT_FAILURES, "listener", listener).increment();
  }

  public void drainStarted(String route) {
    route(route).drainStarted();
  }

  public void syncError(String kind) {
    counter(MetricNames.SYNC_ERRORS, "kind", kind).increment();
  }

  public void syncEvents(String outcome, int n) {
    if (n > 0) {
      counter(MetricNames.SYNC_EVENTS, "outcome", outcome).increment(n);
    }
  }

  /** A ready control-plane instance dropped for its address ({@code missing_address}, {@code bad_address}). */
  public void instanceDropped(String reason) {
    counter(MetricNames.SYNC_INSTANCES_DROPPED, "reason", reason).increment();
  }

  public void syncTable() {
    counter(MetricNames.SYNC_TABLES).increment();
  }

  public void stateFileLoad(String outcome) {
    counter(MetricNames.STATE_FILE_LOADS, "outcome", outcome).increment();
  }

  /** One admin request or connection refused, by {@code admin.AdminRefusal} label. */
  public void adminRefusal(String reason) {
    counter(MetricNames.ADMIN_REFUSALS, "reason", reason).increment();
  }

  /** One cluster message or peer refused, by {@code cluster.TrustChannel} and {@code cluster.TrustRefusal} label. */
  public void clusterRefusal(String channel, String reason) {
    counter(MetricNames.CLUSTER_REFUSALS, "channel", channel, "reason", reason).increment();
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

  /** Current value of a counter with exactly these labels, for the admin API and tests; 0 when it never counted. */
  public double count(String name, String... tags) {
    Tags wanted = Tags.of(tags);
    Counter c = registry.find(name).tags(wanted).counters().stream()
        .filter(found -> Tags.of(found.getId().getTags()).equals(wanted)).findFirst().orElse(null);
    return c == null ? 0 : c.count();
  }

  private Counter counter(String name, String... tags) {
    return counters.computeIfAbsent(key(name, tags), k -> registry.counter(name, Tags.of(tags)));
  }

  private static String key(String name, String... tags) {
    return tags.length == 0 ? name : name + '|' + String.join("|", tags);
  }
}
