package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.Backend;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Node-wide count of open connections whose drain clock runs, per backend (docs/behaviour.md, Draining): a connection
 * counts from {@code started} until {@code stopped} (drain cancelled, or the connection closed while draining).
 * Thread-safe; every listener instance updates it from its own event loop. A backend whose count falls to 0 is
 * dropped, so the map holds only what is draining now.
 */
public final class DrainCounts {

  private final ConcurrentHashMap<Backend, Integer> open = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** One more connection to {@code backend} started its drain clock. */
  public void started(Backend backend) {
    open.merge(backend, 1, Integer::sum);
    changed();
  }

  /** A connection to {@code backend} that was counted by {@link #started} stopped draining or closed. */
  public void stopped(Backend backend) {
    open.computeIfPresent(backend, (b, n) -> n <= 1 ? null : n - 1);
    changed();
  }

  /** Open draining connections to {@code backend}. */
  public int open(Backend backend) {
    return open.getOrDefault(backend, 0);
  }

  /** Open draining connections to every backend. */
  public int total() {
    return open.values().stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * The counts by backend address (sorted), plus every backend of {@code alsoListed} (e.g. the admin-drained ones)
   * with 0 when none of its connections is open.
   */
  public Map<String, Integer> snapshot(Collection<String> alsoListed) {
    Map<String, Integer> out = new TreeMap<>();
    alsoListed.forEach(b -> out.put(b, 0));
    open.forEach((b, n) -> out.put(b.toString(), n));
    return out;
  }

  /** Runs {@code listener} (on the changing thread; it must not block) after every change. */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  private void changed() {
    listeners.forEach(Runnable::run);
  }
}
