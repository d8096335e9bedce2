package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of fetching instances by group that walk every route asked: grouping the routes and merging the answers
 * into the state. Pure functions of immutable inputs, so the sync runs them on a worker thread: a refresh asks for
 * all 100 000 routes of a large table, and on the event loop these walks stalled it every few seconds.
 */
final class GroupSets {

  /** A state with fetched sets merged in, and the dropped instances to report (route id, instance). */
  record Merged(ControlPlaneState state, List<Map.Entry<String, InstancePage.Dropped>> dropped) {}

  /** Most slices per period of a periodic refresh, when every group fits in them. */
  static final int MAX_SLICES = 10;
  /** Shortest time between two slices of a periodic refresh. */
  static final long SLICE_MIN_MS = 500;
  /**
   * Most groups one slice of the periodic refresh asks: at most this many requests per {@value #SLICE_MIN_MS} ms
   * whatever the number of groups. Measured at 100 000 routes (1 000 groups, bench/RESULTS.md "Idle node"): the
   * refresh of every group each 5 s made 200 requests a second, most of an idle node's CPU; this bound makes it
   * 20, and the refresh of 1 000 groups takes 50 s instead of 5 s. Hinted fetches (changed routes, an
   * {@code instance.status_changed}, retries of failing groups) are not in slices and keep their immediacy.
   */
  static final int MAX_GROUPS_PER_SLICE = 10;

  private static final Comparator<InstanceGroup> BY_NAME = Comparator.comparing(InstanceGroup::appId)
      .thenComparing(InstanceGroup::envId).thenComparing(InstanceGroup::processType);

  private GroupSets() {}

  /** The routes of {@code ids} by instance group; ids not in {@code from} are skipped. */
  static Map<InstanceGroup, List<CpRoute>> byGroup(ControlPlaneState from, Collection<String> ids) {
    Map<InstanceGroup, List<CpRoute>> byGroup = new HashMap<>();
    for (String id : ids) {
      CpRoute route = from.routes().get(id);
      if (route != null) {
        byGroup.computeIfAbsent(InstanceGroup.of(route), g -> new ArrayList<>()).add(route);
      }
    }
    return byGroup;
  }

  /**
   * How many slice timers a refresh period {@code periodMs} has: one per {@value #SLICE_MIN_MS} ms, at most
   * {@value #MAX_SLICES}. At 100 groups a period of 5 s asks 10 of them every half second instead of all 100 at
   * once (a burst that queued every response on the event loop and a merge over every route).
   */
  static int slices(long periodMs) {
    return (int) Math.max(1, Math.min(MAX_SLICES, periodMs / SLICE_MIN_MS));
  }

  /**
   * Into how many slices a round of the periodic refresh of {@code groups} groups is cut, given {@code perPeriod}
   * slice timers per period ({@link #slices(long)}): that many while no slice has more than
   * {@value #MAX_GROUPS_PER_SLICE} groups (each group asked once per period), else as many as that bound needs
   * (the round then lasts longer than the period: the request rate stays the same whatever the number of groups).
   */
  static int slicesPerRound(int groups, int perPeriod) {
    return Math.max(perPeriod, (groups + MAX_GROUPS_PER_SLICE - 1) / MAX_GROUPS_PER_SLICE);
  }

  /**
   * {@code byGroup} cut into {@code slices} slices: each group in exactly one, in the order of the groups' names
   * (so a group keeps its place while the others stay), the sizes differing by at most one.
   */
  static List<Map<InstanceGroup, List<CpRoute>>> partition(Map<InstanceGroup, List<CpRoute>> byGroup, int slices) {
    List<InstanceGroup> ordered = new ArrayList<>(byGroup.keySet());
    ordered.sort(BY_NAME);
    List<Map<InstanceGroup, List<CpRoute>>> out = new ArrayList<>(slices);
    for (int s = 0; s < slices; s++) {
      Map<InstanceGroup, List<CpRoute>> slice = new HashMap<>();
      int from = (int) ((long) s * ordered.size() / slices);
      int to = (int) ((long) (s + 1) * ordered.size() / slices);
      for (InstanceGroup g : ordered.subList(from, to)) {
        slice.put(g, byGroup.get(g));
      }
      out.add(slice);
    }
    return out;
  }

  /** The entries of {@code byGroup} for {@code groups} (those it has). */
  static Map<InstanceGroup, List<CpRoute>> only(Map<InstanceGroup, List<CpRoute>> byGroup,
      Set<InstanceGroup> groups) {
    Map<InstanceGroup, List<CpRoute>> out = new HashMap<>();
    for (InstanceGroup g : groups) {
      List<CpRoute> routes = byGroup.get(g);
      if (routes != null) {
        out.put(g, routes);
      }
    }
    return out;
  }

  /**
   * The routes whose instances a batch asks for: those it created or re-pointed, every route when {@code all}
   * (an event asked for a refresh of everything), and those of the environments it names.
   */
  static Set<String> asked(ControlPlaneState next, ControlPlaneState.Applied applied, boolean all) {
    Set<String> ids = new HashSet<>(applied.routesNeedingInstances());
    if (all) {
      ids.addAll(next.routes().keySet());
    }
    if (!applied.envsToRefresh().isEmpty()) {
      ids.addAll(next.routeIdsOfEnvs(applied.envsToRefresh()));
    }
    return ids;
  }

  /**
   * {@code from} with the answers' sets: a route of a group whose answer is unchanged keeps the set it has, unless
   * it is in {@code recompute} (created, or its backend port or process type changed) or has none yet. The routes
   * of a group share one list per backend port, not a copy each (kept in the state and the table).
   */
  static Merged merge(ControlPlaneState from, Map<InstanceGroup, List<CpRoute>> byGroup,
      GroupFetcher.Answers found, Set<String> recompute) {
    Map<String, List<Backend>> sets = new HashMap<>();
    List<Map.Entry<String, InstancePage.Dropped>> dropped = new ArrayList<>();
    found.sets().forEach((group, instances) -> {
      boolean unchanged = found.unchanged().contains(group);
      Map<Integer, List<Backend>> shared = new HashMap<>();
      for (CpRoute route : byGroup.get(group)) {
        String id = route.routeId();
        if (unchanged && !recompute.contains(id) && from.backends().containsKey(id)) {
          continue;
        }
        instances.dropped().forEach(d -> dropped.add(Map.entry(id, d)));
        sets.put(id, shared.computeIfAbsent(route.backendPort(), p -> route.backendsFor(instances.readyIpv6())));
      }
    });
    // Nothing changed (the usual refresh): no edit, which would set up a digest to change nothing
    return new Merged(sets.isEmpty() ? from : from.withBackends(sets), dropped);
  }
}
