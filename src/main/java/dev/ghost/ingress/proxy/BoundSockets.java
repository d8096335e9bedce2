package dev.ghost.ingress.proxy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's listening sockets as they are, for the admin API and tests: per binding, bound (with the real port) or
 * failed (with the reason). Thread-safe.
 *
 * <p>Each listener instance owns its bindings ({@link ListenerBindings}) and reports its own state of each one, in
 * order, from its own event loop; this class keeps the latest report per instance and shows their sum. A binding is
 * bound while any instance holds it bound, failed while none does and one failed (or retries after failing), and
 * gone once every instance has
 * let go: so nothing outlives the bindings in use, and no report can be stale (an instance only ever replaces its own
 * report). Each report answers how the sum changed, so exactly one instance logs and counts a change.
 */
public final class BoundSockets {

  /**
   * The state of one binding.
   *
   * @param binding   what was asked for
   * @param boundPort the real port when bound, else -1
   * @param error     why binding failed, else null
   */
  public record Status(Binding binding, int boundPort, String error) {
    public boolean bound() {
      return error == null && boundPort > 0;
    }
  }

  /** How a report changed the sum of a binding: {@code before} and {@code after} are null when not shown. */
  record Change(Status before, Status after) {
    /** The binding became bound (at a port it was not shown bound at). */
    boolean nowBound() {
      return after != null && after.bound() && (before == null || !before.equals(after));
    }

    /** The binding became failed, or failed for another reason. */
    boolean nowFailed() {
      return after != null && after.error() != null && (before == null || !before.equals(after));
    }

    /** The binding was shown bound and is not any more. */
    boolean noLongerBound() {
      return before != null && before.bound() && (after == null || !after.bound());
    }
  }

  /** Per binding, the latest report of each instance that holds it (by instance id). */
  private final Map<Binding, Map<Integer, ListenerBindings.Report>> reports = new HashMap<>();
  private final AtomicInteger instances = new AtomicInteger();

  /** A new id for a listener instance's reports. */
  int newInstance() {
    return instances.getAndIncrement();
  }

  /** Instance {@code instance}'s state of {@code b} is now {@code report}. */
  synchronized Change report(int instance, Binding b, ListenerBindings.Report report) {
    Status before = sum(b);
    reports.computeIfAbsent(b, k -> new HashMap<>()).put(instance, report);
    return new Change(before, sum(b));
  }

  /** Instance {@code instance} no longer holds {@code b} (released, or no longer wanted after a failure). */
  synchronized Change forget(int instance, Binding b) {
    Status before = sum(b);
    Map<Integer, ListenerBindings.Report> of = reports.get(b);
    if (of != null && of.remove(instance) != null && of.isEmpty()) {
      reports.remove(b);
    }
    return new Change(before, sum(b));
  }

  /** The sum of every instance's report of {@code b}: bound by any, else failed by any, else null. */
  private Status sum(Binding b) {
    Map<Integer, ListenerBindings.Report> of = reports.get(b);
    if (of == null) {
      return null;
    }
    String error = null;
    for (ListenerBindings.Report r : of.values()) {
      if (r.state() == BindingState.BOUND) {
        return new Status(b, r.port(), null);
      }
      if (r.state() != BindingState.RELEASING && error == null) {
        error = r.error(); // failed, or failed before and being retried
      }
    }
    return error == null ? null : new Status(b, -1, error);
  }

  /** Every binding shown (bound or failed), sorted by label. */
  public synchronized Map<String, Status> snapshot() {
    Map<String, Status> out = new TreeMap<>();
    for (Binding b : reports.keySet()) {
      Status s = sum(b);
      if (s != null) {
        out.put(b.label(), s);
      }
    }
    return out;
  }

  /** How many bindings any instance holds in any state: bounded by the bindings in use. */
  synchronized int held() {
    return reports.size();
  }

  /** The real port bound for {@code host} serving {@code routePort}, or -1. */
  public int port(String host, int routePort) {
    return snapshot().values().stream()
        .filter(s -> s.bound() && s.binding().host().equals(host) && s.binding().routePort() == routePort)
        .mapToInt(Status::boundPort).findFirst().orElse(-1);
  }

  /** The error of a failed binding on {@code address}, or null: an env whose IPv4 cannot be bound is degraded. */
  public String ipv4BindFailure(String address) {
    return snapshot().values().stream()
        .filter(s -> s.error() != null && s.binding().host().equals(address))
        .map(Status::error).findFirst().orElse(null);
  }

  /** Addresses with at least one failed binding. */
  public Set<String> failedHosts() {
    Set<String> out = new HashSet<>();
    snapshot().values().stream().filter(s -> s.error() != null).forEach(s -> out.add(s.binding().host()));
    return out;
  }
}
