package dev.ghost.ingress.sync;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Fetches the ready instances of {@link InstanceGroup}s: each group once per call whatever the number of routes
 * sharing it, at most {@code maxInFlight} requests at once, and a group that failed is not asked again before its
 * backoff has passed (exponential with jitter from the base; the cap at once when the control plane said
 * {@code retryable: false}). A group whose fetch fails, or that is still backing off, answers with its last good
 * set, so its routes keep their previous backends (contract §2). Used on the sync verticle's event loop only.
 */
final class GroupFetcher {

  /** Reports one failed fetch (counted and logged by the caller). */
  interface Failures {
    void failed(InstanceGroup group, SyncException e);
  }

  private final Function<InstanceGroup, Future<ControlPlaneClient.Instances>> source;
  private final int maxInFlight;
  private final long baseBackoffMs;
  private final LongSupplier clockMs;
  private final Failures failures;
  private final Map<InstanceGroup, GroupState> groups = new HashMap<>();
  /** How many of {@link #groups} failed their last fetch: with none, nothing walks the groups after a fetch. */
  private int failingCount;

  /** What is known of one group. */
  private static final class GroupState {
    /** The last successful answer; null before the first. */
    ControlPlaneClient.Instances lastGood;
    /** Failures in a row; 0 after a success. */
    int failures;
    /** Not asked again before this time (ms of {@link #clockMs}). */
    long retryAt;
  }

  /**
   * @param source        one group's instances, all pages
   * @param maxInFlight   requests at once, at least 1
   * @param baseBackoffMs the first retry comes after about this long; each failure in a row doubles it
   * @param clockMs       milliseconds, monotonic
   * @param failures      told of every failed fetch
   */
  GroupFetcher(Function<InstanceGroup, Future<ControlPlaneClient.Instances>> source, int maxInFlight,
      long baseBackoffMs, LongSupplier clockMs, Failures failures) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1: " + maxInFlight);
    }
    this.source = source;
    this.maxInFlight = maxInFlight;
    this.baseBackoffMs = baseBackoffMs;
    this.clockMs = clockMs;
    this.failures = failures;
  }

  /**
   * What one {@link #fetch} learned.
   *
   * @param sets      per group, the fresh answer, else its last good one; a group with neither is absent
   * @param unchanged the groups whose answer is the last good one they had before this fetch: their routes' sets
   *                  are the same as after that one (a refresh of 100 000 unchanged routes rebuilds nothing)
   */
  record Answers(Map<InstanceGroup, ControlPlaneClient.Instances> sets, Set<InstanceGroup> unchanged) {}

  /** Fetches {@code asked} (duplicates once; groups backing off not at all). Never fails. */
  Future<Answers> fetch(Collection<InstanceGroup> asked) {
    long now = clockMs.getAsLong();
    Answers out = new Answers(new HashMap<>(), new HashSet<>());
    Deque<InstanceGroup> due = new ArrayDeque<>();
    for (InstanceGroup g : new LinkedHashSet<>(asked)) {
      GroupState s = groups.get(g);
      if (s != null && s.retryAt > now) {
        keepLastGood(g, s, out);
      } else {
        due.add(g);
      }
    }
    List<Future<Void>> lanes = new ArrayList<>();
    for (int i = 0; i < Math.min(maxInFlight, due.size()); i++) {
      lanes.add(drain(due, out));
    }
    return Future.all(lanes).map(v -> out);
  }

  /** One lane: fetches queued groups one after another until none is left. */
  private Future<Void> drain(Deque<InstanceGroup> due, Answers out) {
    Promise<Void> done = Promise.promise();
    drainFrom(due, out, done);
    return done.future();
  }

  /**
   * Loops over the answers that are complete at once (a composed continuation would run inside the previous one
   * and nest one stack frame chain per group), and resumes from a pending answer's completion.
   */
  private void drainFrom(Deque<InstanceGroup> due, Answers out, Promise<Void> done) {
    for (InstanceGroup g = due.poll(); g != null; g = due.poll()) {
      Future<Void> fetched = fetchOne(g, out);
      if (!fetched.isComplete()) {
        fetched.onComplete(ar -> drainFrom(due, out, done));
        return;
      }
    }
    done.complete();
  }

  private Future<Void> fetchOne(InstanceGroup g, Answers out) {
    return source.apply(g).transform(ar -> {
      GroupState s = groups.computeIfAbsent(g, k -> new GroupState());
      if (ar.succeeded()) {
        if (ar.result().equals(s.lastGood)) {
          out.unchanged().add(g);
        }
        s.lastGood = ar.result();
        if (s.failures > 0) {
          failingCount--;
        }
        s.failures = 0;
        s.retryAt = 0;
        out.sets().put(g, ar.result());
      } else {
        SyncException e = ControlPlaneClient.classify(ar.cause(), null);
        if (s.failures == 0) {
          failingCount++;
        }
        s.failures++;
        // retryable: false still retries (the set may change back), but only at the cap
        s.retryAt = clockMs.getAsLong() + PollSchedule.backoff(baseBackoffMs, e.retryable() ? s.failures : 16);
        keepLastGood(g, s, out);
        failures.failed(g, e);
      }
      return Future.succeededFuture();
    });
  }

  private static void keepLastGood(InstanceGroup g, GroupState s, Answers out) {
    if (s.lastGood != null) {
      out.sets().put(g, s.lastGood);
      out.unchanged().add(g);
    }
  }

  /** Forgets groups no route names any more. */
  void retain(Set<InstanceGroup> live) {
    groups.keySet().retainAll(live);
    failingCount = (int) groups.values().stream().filter(s -> s.failures > 0).count();
  }

  /** The groups whose last fetch failed; their retries are due at {@link #nextRetryAt()}. */
  Set<InstanceGroup> failing() {
    Set<InstanceGroup> out = new LinkedHashSet<>();
    if (failingCount == 0) {
      return out;
    }
    groups.forEach((g, s) -> {
      if (s.failures > 0) {
        out.add(g);
      }
    });
    return out;
  }

  /** The earliest time (ms of the clock) a failing group may be asked again; -1 when none is failing. */
  long nextRetryAt() {
    if (failingCount == 0) {
      return -1;
    }
    return groups.values().stream().filter(s -> s.failures > 0).mapToLong(s -> s.retryAt).min().orElse(-1);
  }
}
