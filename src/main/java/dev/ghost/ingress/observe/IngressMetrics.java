package dev.ghost.ingress.observe;

import dev.ghost.ingress.config.ReloadEvents;
import dev.ghost.ingress.config.ReloadFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
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
  private final Map<String, ListenerMeters> listeners = new ConcurrentHashMap<>();
  private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
  /** Meters of routes that left the table, until a scrape has shown their final values. */
  private final Set<RouteMeters> retired = ConcurrentHashMap.newKeySet();
  private final RouteMeters unrouted;
  private final CounterFamily sniffs;
  private final CounterFamily relays;
  /** Looked up per probe: at thousands of backends, hundreds a second. */
  private final CounterFamily probes;
  private final ConnectionTimings timings;
  private final Counter proxyHeaderWriteFailures;

  public IngressMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.unrouted = route(UNROUTED);
    this.sniffs = new CounterFamily(registry, MetricNames.SNIFF, "outcome", Tags.empty());
    this.relays = new CounterFamily(registry, MetricNames.RELAYS, "relay", Tags.empty());
    this.probes = new CounterFamily(registry, MetricNames.HEALTH_PROBES, "result", Tags.empty());
    this.timings = new ConnectionTimings(registry);
    this.proxyHeaderWriteFailures = registry.counter(MetricNames.PROXY_HEADER_WRITE_FAILURES);
    // the counters without labels: shown at 0 from start, like every closed label value (KnownLabels)
    counter(MetricNames.SYNC_TABLES);
    counter(MetricNames.STATE_FILE_WRITE_FAILURES);
    counter(MetricNames.STATE_FILE_JOURNAL_RECORDS);
    counter(MetricNames.DRAINS_FILE_WRITE_FAILURES);
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
    return m != null ? m : listeners.computeIfAbsent(label, this::newListener);
  }

  private ListenerMeters newListener(String label) {
    counter(MetricNames.LISTENER_ACCEPT_FAILURES, "listener", label);
    counter(MetricNames.LISTENER_BIND_FAILURES, "listener", label);
    return new ListenerMeters(registry, label);
  }

  /**
   * A route's meters; the same object for the same route id, created with the route's first connection. They
   * outlive the route in the table until its last connection closed and a scrape showed their final values
   * ({@link #retainRoutes}, {@link #scrape}): a connection still draining on a removed route counts its close on
   * them.
   */
  public RouteMeters route(String routeId) {
    RouteMeters m = routes.get(routeId);
    return m != null ? m : routes.computeIfAbsent(routeId, r -> new RouteMeters(registry, r));
  }

  /**
   * After a table swap: the meters of every route {@code inTable} rejects are retired (their series leave the
   * registry with the first scrape after their last connection closed), those it accepts are kept. Costs one test
   * per route that had a connection, not per route in the table.
   */
  public void retainRoutes(Predicate<String> inTable) {
    routes.forEach((id, m) -> settle(id, m, inTable));
  }

  /**
   * Like {@link #retainRoutes(Predicate)} for these route ids only: a swap that knows which routes changed tests
   * those, not every route that had a connection.
   */
  public void retainRoutes(Predicate<String> inTable, Collection<String> changed) {
    for (String id : changed) {
      RouteMeters m = routes.get(id);
      if (m != null) {
        settle(id, m, inTable);
      }
    }
  }

  private void settle(String id, RouteMeters m, Predicate<String> inTable) {
    if (m == unrouted) {
      return;
    }
    if (inTable.test(id)) {
      m.keep();
      retired.remove(m);
    } else {
      m.retire(() -> {
        routes.remove(id, m);
        retired.remove(m);
      });
      retired.add(m);
    }
  }


  /**
   * Renders the registry with {@code render} ({@code /metrics}); the retired routes that had no connection open
   * before it lose their series after it: this text carried their final values.
   */
  public String scrape(Supplier<String> render) {
    List<RouteMeters> idle = retired.stream().filter(RouteMeters::idleRetired).toList();
    String text = render.get();
    idle.forEach(RouteMeters::removeIfIdle);
    return text;
  }

  /** Registers the unrouted close counters of every reason at 0 ({@code proxy.CloseReason} labels). */
  public void closeReasons(List<String> reasons) {
    unrouted.registerClosed(reasons);
  }

  /** Registers the sniff outcome counters at 0. */
  public void sniffOutcomes(List<String> outcomes) {
    sniffs.register(outcomes);
  }

  /** Registers the relay kind counters at 0. */
  public void relayKinds(List<String> kinds) {
    relays.register(kinds);
  }

  /**
   * Registers the counters of {@code name} for every value of its one label at 0, so each shows from start (the
   * closed lists of reasons, outcomes, kinds).
   */
  public void zero(String name, String label, List<String> values) {
    values.forEach(v -> counter(name, label, v));
  }

  /** Like {@link #zero(String, String, List)} for two labels: every combination. */
  public void zero(String name, String label1, List<String> values1, String label2, List<String> values2) {
    values1.forEach(v1 -> values2.forEach(v2 -> counter(name, label1, v1, label2, v2)));
  }

  /** The data path's histograms. */
  public ConnectionTimings timings() {
    return timings;
  }

  /** A PROXY v2 header the backend did not take in full. */
  public void proxyHeaderWriteFailure() {
    proxyHeaderWriteFailures.increment();
  }

  /** {@link MetricNames#BUILD_INFO}: 1 with the build's version and commit as labels. */
  public void buildInfo(String version, String commit) {
    Gauge.builder(MetricNames.BUILD_INFO, () -> 1).tags("version", version, "commit", commit).register(registry);
  }

  /** The meters of connections closed before routing (route label {@value #UNROUTED}). */
  public RouteMeters unrouted() {
    return unrouted;
  }

  /** One ClientHello sniff outcome (found, no_sni, not_tls, ...). */
  public void sniff(String outcome) {
    sniffs.increment(outcome);
  }

  /** One relay started: {@code splice} or {@code buffered}. */
  public void relayStarted(String kind) {
    relays.increment(kind);
  }

  public void bindFailure(String listener) {
    counter(MetricNames.LISTENER_BIND_FAILURES, "listener", listener).increment();
  }

  /** An accept on {@code listener} failed for lack of resources. Thread-safe. */
  public void acceptFailure(String listener) {
    counter(MetricNames.LISTENER_ACCEPT_FAILURES, "listener", listener).increment();
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

  /** Config reloads, counted: applied by trigger, refused by reason, and the time of the last applied one. */
  public ReloadEvents reloads() {
    return new ReloadEvents() {
      @Override
      public void applied(String trigger) {
        counter(MetricNames.CONFIG_RELOADS, "trigger", trigger).increment();
      }

      @Override
      public void refused(ReloadFailure reason) {
        counter(MetricNames.CONFIG_RELOAD_FAILURES, "reason", reason.label()).increment();
      }

      @Override
      public void appliedAt(java.util.function.LongSupplier appliedAtMillis) {
        gaugeOf(MetricNames.CONFIG_APPLIED_TIMESTAMP, appliedAtMillis, s -> s.getAsLong() / 1000.0);
      }
    };
  }

  /** How the state file's journal was replayed at start ({@code sync.JournalOutcome} label), and its records. */
  public void stateFileJournalReplay(String outcome, int records) {
    counter(MetricNames.STATE_FILE_JOURNAL_REPLAYS, "outcome", outcome).increment();
    counter(MetricNames.STATE_FILE_JOURNAL_RECORDS).increment(records);
  }

  /** Bytes of the state file written, by {@code sync.StateFilePart} label; called from worker threads. */
  public void stateFileWritten(String part, long bytes) {
    counter(MetricNames.STATE_FILE_WRITTEN_BYTES, "part", part).increment(bytes);
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
    probes.increment(result);
  }

  /** A backend's probe verdict went {@code to} down or up. */
  public void probeTransition(String to) {
    counter(MetricNames.HEALTH_TRANSITIONS, "to", to).increment();
  }

  /** Registers a gauge read from {@code source} at scrape time. */
  public <T> void gaugeOf(String name, T source, ToDoubleFunction<T> value, String... tags) {
    Gauge.builder(name, source, value).tags(tags).strongReference(true).register(registry);
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
