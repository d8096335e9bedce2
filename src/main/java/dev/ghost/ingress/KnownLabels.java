package dev.ghost.ingress;

import dev.ghost.ingress.admin.AdminRefusal;
import dev.ghost.ingress.admin.DrainsFileOutcome;
import dev.ghost.ingress.cluster.TrustChannel;
import dev.ghost.ingress.cluster.TrustRefusal;
import dev.ghost.ingress.config.ConfigReloader;
import dev.ghost.ingress.config.ReloadFailure;
import dev.ghost.ingress.health.ProbeResult;
import dev.ghost.ingress.health.ProbeTransition;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.proxy.ProxyLabels;
import dev.ghost.ingress.sync.InstanceDropReason;
import dev.ghost.ingress.sync.JournalOutcome;
import dev.ghost.ingress.sync.StateFileOutcome;
import dev.ghost.ingress.sync.StateFilePart;
import dev.ghost.ingress.sync.SyncEventOutcome;
import dev.ghost.ingress.sync.SyncFailure;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Registers every closed label value of the node's counters at 0, so a rate or an alert on any of them has a
 * series from start (Prometheus convention) instead of appearing at the first occurrence. The lists come from the
 * enums that define them. Labels that are not closed lists (route, listener, backend) are not pre-registered:
 * per-route series appear with a route's first connection ({@link dev.ghost.ingress.observe.RouteMeters}).
 */
final class KnownLabels {

  private KnownLabels() {}

  static void register(IngressMetrics metrics) {
    ProxyLabels.register(metrics);
    metrics.zero(MetricNames.SYNC_ERRORS, "kind", labels(SyncFailure.values(), SyncFailure::label));
    metrics.zero(MetricNames.SYNC_EVENTS, "outcome", labels(SyncEventOutcome.values(), SyncEventOutcome::label));
    metrics.zero(MetricNames.SYNC_INSTANCES_DROPPED, "reason",
        labels(InstanceDropReason.values(), InstanceDropReason::label));
    metrics.zero(MetricNames.STATE_FILE_LOADS, "outcome", labels(StateFileOutcome.values(), StateFileOutcome::label));
    metrics.zero(MetricNames.STATE_FILE_JOURNAL_REPLAYS, "outcome",
        labels(JournalOutcome.values(), JournalOutcome::label));
    metrics.zero(MetricNames.STATE_FILE_WRITTEN_BYTES, "part", labels(StateFilePart.values(), StateFilePart::label));
    metrics.zero(MetricNames.DRAINS_FILE_LOADS, "outcome",
        labels(DrainsFileOutcome.values(), DrainsFileOutcome::label));
    metrics.zero(MetricNames.HEALTH_PROBES, "result", labels(ProbeResult.values(), ProbeResult::label));
    metrics.zero(MetricNames.HEALTH_TRANSITIONS, "to", labels(ProbeTransition.values(), ProbeTransition::label));
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
