package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import java.util.ArrayList;
import java.util.Collection;
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

  /** Most slices of a periodic refresh. */
  static final int MAX_SLICES = 10;
  /** Shortest time between two slices of a periodic refresh. */
  static final long SLICE_MIN_MS = 500;

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
   * Into how many slices the periodic refresh of every group is cut, for a refresh period {@code periodMs}: one per
   * {@value #SLICE_MIN_MS} ms, at most {@value #MAX_SLICES}. Each group is still asked once per period, but at
   * 1 000 groups a period asks 100 of them every half second instead of all 1 000 at once (a burst that queued a
   * thousand responses on the event loop and a merge over every route).
   */
  static int slices(long periodMs) {
    return (int) Math.max(1, Math.min(MAX_SLICES, periodMs / SLICE_MIN_MS));
  }

  /** The entries of {@code byGroup} in slice {@code slice} of {@code slices}: each group is in exactly one. */
  static Map<InstanceGroup, List<CpRoute>> slice(Map<InstanceGroup, List<CpRoute>> byGroup, int slice, int slices) {
    Map<InstanceGroup, List<CpRoute>> out = new HashMap<>();
    byGroup.forEach((g, routes) -> {
      if (Math.floorMod(spread(g.hashCode()), slices) == slice) {
        out.put(g, routes);
      }
    });
    return out;
  }

  /** A hash's bits mixed: a record's hash of similar ids falls into few residues of a small modulus. */
  private static int spread(int h) {
    int x = h * 0x9E3779B9;
    return x ^ (x >>> 16);
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
    return new Merged(from.withBackends(sets), dropped);
  }
}
