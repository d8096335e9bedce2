package dev.ghost.ingress.proxy;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's listening sockets as they are: bound (with the real port) or failed (with the reason). Written by
 * listener instances, read by the admin API and tests. Thread-safe.
 *
 * <p>Every report carries the version of the route table it acts on. The instances sharing a socket work through
 * the same tables on different event loops, each at its own pace, so a report about an older table than one already
 * recorded for that binding is stale and ignored: a late "bound" from a listen of the previous table must not put
 * back the port of a socket a newer table released, and a late "released" must not erase a newer binding.
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

  private final Map<Binding, Status> statuses = new ConcurrentHashMap<>();
  /** Per binding, the newest table version reported; kept after a release so older reports stay ignored. */
  private final Map<Binding, Long> versions = new ConcurrentHashMap<>();

  /**
   * Records {@code b} as bound at {@code port}.
   *
   * @return true when this call changed it (not yet bound, or bound at another port): every listener instance
   *     reports the shared socket, and only the first report is logged
   */
  synchronized boolean bound(Binding b, int port, long tableVersion) {
    if (stale(b, tableVersion)) {
      return false;
    }
    Status now = new Status(b, port, null);
    return !now.equals(statuses.put(b, now));
  }

  /** Records a failure; true when it is news (so each instance does not log and count it again). */
  synchronized boolean failed(Binding b, String error, long tableVersion) {
    if (stale(b, tableVersion)) {
      return false;
    }
    Status next = new Status(b, -1, error);
    return !next.equals(statuses.put(b, next));
  }

  /** Forgets {@code b}; true for the first of the instances sharing the socket (so it is logged once). */
  synchronized boolean released(Binding b, long tableVersion) {
    if (stale(b, tableVersion)) {
      return false;
    }
    return statuses.remove(b) != null;
  }

  /** True when a report about a newer table was recorded already; otherwise records this one's version. */
  private boolean stale(Binding b, long tableVersion) {
    Long newest = versions.get(b);
    if (newest != null && tableVersion < newest) {
      return true;
    }
    versions.put(b, tableVersion);
    return false;
  }

  /** Forgets failures of bindings no longer wanted; a wanted one keeps its failure until a retry binds it. */
  void forgetFailuresExcept(java.util.Set<Binding> wanted) {
    statuses.values().removeIf(s -> s.error() != null && !wanted.contains(s.binding()));
  }

  /** All bindings, sorted by label. */
  public Map<String, Status> snapshot() {
    Map<String, Status> out = new TreeMap<>();
    statuses.values().forEach(s -> out.put(s.binding().label(), s));
    return out;
  }

  /** The real port bound for {@code host} serving {@code routePort}, or -1. */
  public int port(String host, int routePort) {
    return statuses.values().stream()
        .filter(s -> s.bound() && s.binding().host().equals(host) && s.binding().routePort() == routePort)
        .mapToInt(Status::boundPort).findFirst().orElse(-1);
  }

  /** The error of a failed binding on {@code address}, or null: an env whose IPv4 cannot be bound is degraded. */
  public String ipv4BindFailure(String address) {
    return statuses.values().stream()
        .filter(s -> s.error() != null && s.binding().host().equals(address))
        .map(Status::error).findFirst().orElse(null);
  }

  /** Addresses with at least one failed binding. */
  public java.util.Set<String> failedHosts() {
    java.util.Set<String> out = new java.util.HashSet<>();
    statuses.values().stream().filter(s -> s.error() != null).forEach(s -> out.add(s.binding().host()));
    return out;
  }

  public boolean anyFailed() {
    return statuses.values().stream().anyMatch(s -> s.error() != null);
  }
}
