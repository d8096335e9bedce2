package dev.ghost.ingress.eligibility;

import dev.ghost.ingress.route.Backend;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The active prober's verdict per backend, where the selector reads it. Written by the node's prober only; read
 * lock-free from every event loop. A backend without a verdict is {@link ProbeStatus#UNKNOWN} and eligible.
 *
 * <p>A verdict only ever takes a backend away: the selector offers only backends of the current route table, so a
 * probe that passes for a backend the control plane removed changes nothing. Listeners of {@link #onChange} are
 * told about health changes only; nothing here starts the drain clock of open connections (docs/behaviour.md, Draining:
 * "health probe fails: untouched").
 */
public final class ProbeVerdicts {

  private final Map<Backend, ProbeStatus> verdicts = new ConcurrentHashMap<>();
  private final Set<Backend> down = ConcurrentHashMap.newKeySet();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** True when the last probes of the backend failed ({@code fall} in a row): not offered to new connections. */
  public boolean isDown(Backend backend) {
    return !down.isEmpty() && down.contains(backend);
  }

  /** True when no backend is probe-down (the selector's fast path). */
  public boolean noneDown() {
    return down.isEmpty();
  }

  /** The backend's verdict; {@link ProbeStatus#UNKNOWN} when it has none. */
  public ProbeStatus status(Backend backend) {
    return verdicts.getOrDefault(backend, ProbeStatus.UNKNOWN);
  }

  /** Records a verdict; listeners run (on the calling thread) when it changed whether the backend is down. */
  public synchronized void set(Backend backend, ProbeStatus status) {
    ProbeStatus old = status == ProbeStatus.UNKNOWN ? verdicts.remove(backend) : verdicts.put(backend, status);
    if (status == ProbeStatus.DOWN) {
      down.add(backend);
    } else {
      down.remove(backend);
    }
    if ((old == ProbeStatus.DOWN) != (status == ProbeStatus.DOWN)) {
      changed();
    }
  }

  /** Forgets every verdict (probing was switched off). */
  public synchronized void clear() {
    boolean anyDown = !down.isEmpty();
    down.clear();
    verdicts.clear();
    if (anyDown) {
      changed();
    }
  }

  /** Forgets backends no longer in any route, so a backend the control plane re-adds starts optimistic again. */
  public synchronized void retainOnly(Collection<Backend> live) {
    Collection<Backend> keep = live instanceof Set<?> ? live : Set.copyOf(live);
    boolean anyDown = down.retainAll(keep);
    verdicts.keySet().retainAll(keep);
    if (anyDown) {
      changed();
    }
  }

  /** The backends probe-down right now (a copy; as small as the number of failing backends). */
  public Set<Backend> down() {
    return down.isEmpty() ? Set.of() : Set.copyOf(down);
  }

  /** How many backends have a verdict (up or down); without copying them. */
  public int size() {
    return verdicts.size();
  }

  /** Every backend with a verdict. */
  public Map<Backend, ProbeStatus> snapshot() {
    return Map.copyOf(verdicts);
  }

  /**
   * Registers a listener run on the changing thread (it must not block) whenever a backend goes probe-down or comes
   * back, e.g. to publish the health view at once.
   */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  private void changed() {
    listeners.forEach(Runnable::run);
  }
}
