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
