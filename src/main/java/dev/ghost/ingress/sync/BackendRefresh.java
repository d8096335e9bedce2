package dev.ghost.ingress.sync;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A state's routes given their instance groups' ready instances: fetched for the routes a change names, retried for
 * the groups whose fetch failed, and refreshed a slice of groups at a time (at most
 * {@value GroupSets#MAX_GROUPS_PER_SLICE} groups a slice, so the idle request rate does not grow with the groups).
 * Apart from the verticle because the grouping, the slices, the retry timer and the refresh-all throttle are
 * bookkeeping of the backends, not wiring; the verticle decides when, and puts the result in force. Confined to the
 * sync verticle's event loop; grouping, cutting into slices and merging walk every route or group asked, so they run
 * on a worker.
 */
final class BackendRefresh {

  /** An event asking every group to be refreshed is honoured at most once per this many milliseconds. */
  private static final long REFRESH_ALL_MIN_GAP_MS = 1_000;
  private static final long NEVER = Long.MIN_VALUE;

  private final Vertx vertx;
  private final GroupFetcher groups;
  private final DroppedInstances droppedInstances;
  private final LongSupplier clockMs;
  private final Supplier<Runnable> retryAction;
  /** The timer of the next retry of failing groups, -1 when none is set, and when it fires. */
  private long retryTimer = -1;
  private long retryTimerAt;
  /** The slice of the round the periodic refresh asks next. */
  private int nextSlice;
  /** When the last refresh of every group was granted ({@code clockMs}), or {@link #NEVER}. */
  private long lastRefreshAll = NEVER;
  /** {@link #grouped}: the route map last grouped (weakly: not kept for this) and its routes by group (read-only). */
  private WeakReference<Map<String, CpRoute>> groupedOf = new WeakReference<>(null);
  private Map<InstanceGroup, List<CpRoute>> groupedRoutes;
  /** {@link #sliced}: the grouping last cut, for how many slices per period, and its slices (one round). */
  private Map<InstanceGroup, List<CpRoute>> slicesOf;
  private int slicesPerPeriod;
  private List<Map<InstanceGroup, List<CpRoute>>> roundSlices = List.of();

  /**
   * @param vertx            for workers and the retry timer
   * @param groups           fetches each group once, a bounded number in flight, with backoff per failing group
   * @param droppedInstances reports the instances a merge dropped
   * @param clockMs          monotonic milliseconds, the clock of {@code groups}
   * @param retryAction      the retry of failing groups, bound when its timer is set (to the sync term then in
   *                         force) and run when it fires
   */
  BackendRefresh(Vertx vertx, GroupFetcher groups, DroppedInstances droppedInstances, LongSupplier clockMs,
      Supplier<Runnable> retryAction) {
    this.vertx = vertx;
    this.groups = groups;
    this.droppedInstances = droppedInstances;
    this.clockMs = clockMs;
    this.retryAction = retryAction;
  }

  /**
   * Whether a batch that {@code asked} to refresh every group gets it now: at most once per
   * {@value #REFRESH_ALL_MIN_GAP_MS} ms, so a burst of such events costs one round of fetches.
   */
  boolean refreshAllNow(boolean asked) {
    long now = clockMs.getAsLong();
    boolean all = asked && (lastRefreshAll == NEVER || now - lastRefreshAll >= REFRESH_ALL_MIN_GAP_MS);
    if (all) {
      lastRefreshAll = now;
    }
    return all;
  }

  /**
   * Fetches the instances of the groups of the routes {@code grouping} returns, each group once; a group whose
   * fetch fails (or that is backing off after a failure) keeps its previous set, and so do its routes
   * ({@link GroupSets#merge}: {@code recompute} names the routes that take a fresh set even when their group's
   * answer is unchanged).
   */
  Future<ControlPlaneState> fetch(ControlPlaneState from, Callable<Map<InstanceGroup, List<CpRoute>>> grouping,
      Set<String> recompute) {
    return vertx.executeBlocking(grouping, false).compose(byGroup -> fetchGroups(from, byGroup, recompute));
  }

  /** {@code from} with the groups whose last fetch failed fetched again (those whose backoff has passed). */
  Future<ControlPlaneState> retryFailing(ControlPlaneState from) {
    Set<InstanceGroup> failing = groups.failing();
    return grouped(from).compose(all -> fetchGroups(from, GroupSets.only(all, failing), Set.of()));
  }

  /**
   * {@code from} with the next slice of its groups fetched: every group is asked once per round, a round being the
   * {@code slices} slices of one {@code backend_sync_interval}, or more when a slice would otherwise ask more than
   * {@value GroupSets#MAX_GROUPS_PER_SLICE} groups ({@link GroupSets#slicesPerRound}).
   */
  Future<ControlPlaneState> refreshSlice(ControlPlaneState from, int slices) {
    return grouped(from).compose(byGroup -> sliced(byGroup, slices).compose(round -> {
      int slice = nextSlice % round.size();
      nextSlice = (slice + 1) % round.size();
      if (slice == 0) {
        groups.retain(byGroup.keySet()); // forgets the groups no route names any more
      }
      return fetchGroups(from, round.get(slice), Set.of());
    }));
  }

  /** {@code byGroup} cut into the slices of a round, on a worker once per grouping (it sorts every group). */
  private Future<List<Map<InstanceGroup, List<CpRoute>>>> sliced(Map<InstanceGroup, List<CpRoute>> byGroup,
      int perPeriod) {
    if (byGroup == slicesOf && perPeriod == slicesPerPeriod) {
      return Future.succeededFuture(roundSlices);
    }
    int count = GroupSets.slicesPerRound(byGroup.size(), perPeriod);
    return vertx.executeBlocking(() -> GroupSets.partition(byGroup, count), false).map(cut -> {
      slicesOf = byGroup;
      slicesPerPeriod = perPeriod;
      roundSlices = cut;
      return cut;
    });
  }

  private Future<ControlPlaneState> fetchGroups(ControlPlaneState from, Map<InstanceGroup, List<CpRoute>> byGroup,
      Set<String> recompute) {
    if (byGroup.isEmpty()) {
      return Future.succeededFuture(from);
    }
    return groups.fetch(byGroup.keySet()).compose(found -> {
      scheduleRetry();
      return vertx.executeBlocking(() -> GroupSets.merge(from, byGroup, found, recompute), false);
    }).map(merged -> {
      merged.dropped().forEach(d -> droppedInstances.report(d.getKey(), d.getValue()));
      return merged.state();
    });
  }

  /** Sets a timer for the earliest retry of a failing group, unless one fires by then already. */
  private void scheduleRetry() {
    long at = groups.nextRetryAt();
    if (at < 0 || (retryTimer >= 0 && retryTimerAt <= at)) {
      return;
    }
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    Runnable retry = retryAction.get();
    retryTimerAt = at;
    retryTimer = vertx.setTimer(Math.max(1, at - clockMs.getAsLong()), id -> {
      retryTimer = -1;
      retry.run();
    });
  }

  /**
   * Every route of {@code from} by instance group, grouped on a worker once per route map (a change of backends
   * only keeps it): with the control plane down, each failing group's retry would otherwise walk every route again
   * (1 000 retries of 100 000 routes), and so would every slice of the periodic refresh after a backend change.
   */
  private Future<Map<InstanceGroup, List<CpRoute>>> grouped(ControlPlaneState from) {
    Map<String, CpRoute> routes = from.routes();
    if (routes == groupedOf.get()) {
      return Future.succeededFuture(groupedRoutes);
    }
    return vertx.executeBlocking(() -> GroupSets.byGroup(from, routes.keySet()), false).map(byGroup -> {
      groupedOf = new WeakReference<>(routes);
      groupedRoutes = byGroup;
      return byGroup;
    });
  }
}
