package dev.ghost.ingress.eligibility;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Route;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Round-robin among a route's healthy backends (not passively ejected, not probe-down), one counter per route id,
 * deterministic on a node: the n-th plan for a route starts at eligible backend {@code n mod eligible} and continues
 * in configured order. When every backend is unhealthy it rotates over all of them and flags the plan as panic.
 *
 * <p>Administratively drained backends ({@link BackendHealth#drains()}) have left the route: they are never in a
 * plan, not even in panic mode (which rotates over the non-drained ones). When every backend is drained the plan is
 * empty, so the connection closes with {@code no_eligible_backend}.
 */
public final class RoundRobinSelector implements BackendSelector {

  private final ConcurrentHashMap<String, AtomicLong> counters = new ConcurrentHashMap<>();

  @Override
  public Plan plan(Route route, BackendHealth health, int attempts) {
    List<Backend> all = route.backends();
    if (all.isEmpty() || attempts <= 0) {
      return Plan.EMPTY;
    }
    long turn = counters.computeIfAbsent(route.id(), id -> new AtomicLong()).getAndIncrement();
    return plan(all, health, attempts, turn);
  }

  /**
   * The plan the next connection to the route would get, without advancing its counter (the admin "explain"
   * command): equal to what {@link #plan} returns next if nothing else routes to it and no health changes.
   */
  @Override
  public Plan peek(Route route, BackendHealth health, int attempts) {
    List<Backend> all = route.backends();
    if (all.isEmpty() || attempts <= 0) {
      return Plan.EMPTY;
    }
    AtomicLong counter = counters.get(route.id());
    return plan(all, health, attempts, counter == null ? 0 : counter.get());
  }

  private static Plan plan(List<Backend> configured, BackendHealth health, int attempts, long turn) {
    List<Backend> all = notDrained(configured, health.drains());
    if (all.isEmpty()) {
      return Plan.EMPTY;
    }
    long now = health.now();
    List<Backend> eligible = eligible(all, health, now);
    boolean panic = eligible.isEmpty();
    List<Backend> pool = panic ? all : eligible;
    int n = pool.size();
    int start = (int) Math.floorMod(turn, (long) n);
    int count = Math.min(attempts, n);
    List<Backend> order = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      order.add(pool.get((start + i) % n));
    }
    return new Plan(order, panic);
  }

  /** Drops counters of routes that no longer exist (call on table swap). */
  public void retainRoutes(Collection<String> routeIds) {
    counters.keySet().retainAll(routeIds);
  }

  /** Drops the counters of these routes, gone from the table (a swap that knows what changed). */
  public void forgetRoutes(Collection<String> routeIds) {
    routeIds.forEach(counters::remove);
  }

  private static List<Backend> notDrained(List<Backend> all, AdminDrains drains) {
    if (drains.noneDrained()) {
      return all;
    }
    List<Backend> out = new ArrayList<>(all.size());
    for (Backend b : all) {
      if (!drains.isDrained(b)) {
        out.add(b);
      }
    }
    return out;
  }

  private static List<Backend> eligible(List<Backend> all, BackendHealth health, long now) {
    int unhealthy = 0;
    for (Backend b : all) {
      if (health.isUnhealthy(b, now)) {
        unhealthy++;
      }
    }
    if (unhealthy == 0) {
      return all;
    }
    List<Backend> out = new ArrayList<>(all.size() - unhealthy);
    for (Backend b : all) {
      if (!health.isUnhealthy(b, now)) {
        out.add(b);
      }
    }
    return out;
  }
}
