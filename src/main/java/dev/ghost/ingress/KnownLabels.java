package dev.ghost.ingress;

import dev.ghost.ingress.admin.AdminRefusal;
import dev.ghost.ingress.cluster.TrustChannel;
import dev.ghost.ingress.cluster.TrustRefusal;
import dev.ghost.ingress.config.ConfigReloader;
import dev.ghost.ingress.config.ReloadFailure;
import dev.ghost.ingress.health.ProbeResult;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.proxy.ProxyLabels;
import dev.ghost.ingress.sync.StateFileOutcome;
import dev.ghost.ingress.sync.SyncFailure;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Registers every closed label value of the node's counters at 0, so a rate or an alert on any of them has a
 * series from start (Prometheus convention) instead of appearing at the first occurrence. The lists come from the
 * enums that define them; the few families counted with literal labels list them here, beside their call sites'
 * classes. Labels that are not closed lists (route, listener, backend) are not pre-registered: per-route series
 * appear with a route's first connection ({@link dev.ghost.ingress.observe.RouteMeters}).
 */
final class KnownLabels {

  /** {@code sync.SyncVerticle}: events read. */
  static final List<String> SYNC_EVENT_OUTCOMES = List.of("applied", "ignored", "rejected");
  /** {@code sync.InstancePage}: why a ready instance got no connections. */
  static final List<String> INSTANCE_DROP_REASONS = List.of("missing_address", "bad_address");
  /** {@code admin.AdminCommandsVerticle}: the drains file at start. */
  static final List<String> DRAINS_FILE_OUTCOMES = List.of("ok", "missing", "corrupt");
  /** {@code health.ProbeScheduler}: probe verdict transitions. */
  static final List<String> PROBE_TRANSITIONS = List.of("down", "up");

  private KnownLabels() {}

  static void register(IngressMetrics metrics) {
    ProxyLabels.register(metrics);
    metrics.zero(MetricNames.SYNC_ERRORS, "kind", labels(SyncFailure.values(), SyncFailure::label));
    metrics.zero(MetricNames.SYNC_EVENTS, "outcome", SYNC_EVENT_OUTCOMES);
    metrics.zero(MetricNames.SYNC_INSTANCES_DROPPED, "reason", INSTANCE_DROP_REASONS);
    metrics.zero(MetricNames.STATE_FILE_LOADS, "outcome", labels(StateFileOutcome.values(), StateFileOutcome::label));
    metrics.zero(MetricNames.DRAINS_FILE_LOADS, "outcome", DRAINS_FILE_OUTCOMES);
    metrics.zero(MetricNames.HEALTH_PROBES, "result", labels(ProbeResult.values(), ProbeResult::label));
    metrics.zero(MetricNames.HEALTH_TRANSITIONS, "to", PROBE_TRANSITIONS);
    metrics.zero(MetricNames.ADMIN_REFUSALS, "reason", labels(AdminRefusal.values(), AdminRefusal::label));
    metrics.zero(MetricNames.CLUSTER_REFUSALS, "channel", labels(TrustChannel.values(), TrustChannel::label),
        "reason", labels(TrustRefusal.values(), TrustRefusal::label));
    metrics.zero(MetricNames.CONFIG_RELOAD_FAILURES, "reason", labels(ReloadFailure.values(), ReloadFailure::label));
    metrics.zero(MetricNames.CONFIG_RELOADS, "trigger",
        List.of(ConfigReloader.SCAN, ConfigReloader.ADMIN, ConfigReloader.SIGNAL));
  }

  private static <E> List<String> labels(E[] values, Function<E, String> label) {
    return Arrays.stream(values).map(label).distinct().toList();
  }
}
