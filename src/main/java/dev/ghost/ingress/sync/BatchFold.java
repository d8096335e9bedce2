package dev.ghost.ingress.sync;

import dev.ghost.ingress.observe.IngressMetrics;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds a batch of feed events into a state (the result is not put in force here), holds the route cap against
 * it, and counts and logs each fresh event once. Apart from the verticle because the counting rule (the heal
 * window re-reads events already applied; they are not counted again) belongs with the fold, not the wiring.
 */
final class BatchFold {

  /** The sync's logger: operators and tests follow the sync's lines under one name. */
  private static final Logger LOG = LoggerFactory.getLogger(SyncVerticle.class);

  private final RouteCap cap;
  private final IngressMetrics metrics;

  /**
   * @param cap     a result above {@code control_plane.max_routes} is refused
   * @param metrics counts events by outcome
   */
  BatchFold(RouteCap cap, IngressMetrics metrics) {
    this.cap = cap;
    this.metrics = metrics;
  }

  /**
   * {@code batch} folded into {@code state}. Throws a {@code too_many_routes} {@link SyncException} when the result
   * has more routes than {@code control_plane.max_routes}.
   */
  ControlPlaneState.Applied fold(ControlPlaneState state, List<CpEvent> batch) {
    ControlPlaneState.Applied applied = state.apply(batch);
    // before anything is counted: a refused batch is read, and refused, again on the next poll
    cap.check(applied.next());
    // The heal window re-reads events already applied: log and count each event once, not on every poll
    Set<Long> seen = state.appliedIds();
    List<CpEvent> fresh = batch.stream().filter(e -> e.eventId() <= 0 || !seen.contains(e.eventId())).toList();
    metrics.syncEvents(SyncEventOutcome.REJECTED.label(), applied.rejected());
    fresh.stream().filter(e -> e instanceof CpEvent.Rejected).map(e -> (CpEvent.Rejected) e).forEach(r ->
        LOG.atWarn().addKeyValue("event_id", r.eventId()).addKeyValue("event_type", r.type())
            .addKeyValue("reason", r.reason()).log("control-plane event rejected"));
    metrics.syncEvents(SyncEventOutcome.IGNORED.label(),
        (int) fresh.stream().filter(e -> e instanceof CpEvent.Ignored).count());
    metrics.syncEvents(SyncEventOutcome.APPLIED.label(), (int) fresh.stream()
        .filter(e -> !(e instanceof CpEvent.Ignored) && !(e instanceof CpEvent.Rejected)).count());
    return applied;
  }
}
