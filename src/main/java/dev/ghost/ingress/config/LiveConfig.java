package dev.ghost.ingress.config;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's configuration in force, replaced as a whole by a reload. Thread-safe: readers take {@link #current()}
 * (or a section of it) on every use, so new connections, health checks and table builds see the latest value while
 * whatever already started keeps the one it read. Listeners run on the applying thread, after the new value is in
 * force, in registration order; they must not block.
 */
public final class LiveConfig {

  private static final Logger LOG = LoggerFactory.getLogger(LiveConfig.class);

  /** A change that was put in force: the diff (whose {@link ConfigDiff#effective()} is now current). */
  public interface Listener extends Consumer<ConfigDiff> {}

  private volatile IngressConfig current;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Object applyLock = new Object();

  public LiveConfig(IngressConfig initial) {
    this.current = Objects.requireNonNull(initial, "initial");
  }

  public IngressConfig current() {
    return current;
  }

  /** The data path settings in force (a supplier for {@code ProxyServices}). */
  public IngressConfig.Proxy proxy() {
    return current.proxy();
  }

  /** The health-check settings in force (a supplier for health checkers). */
  public IngressConfig.Health health() {
    return current.health();
  }

  /** The listener addresses and port map in force. */
  public IngressConfig.Listen listen() {
    return current.listen();
  }

  /** The limits in force. */
  public IngressConfig.Limits limits() {
    return current.limits();
  }

  /** Registers a listener for future applied changes. */
  public void onChange(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Diffs {@code next} against the configuration in force and, when something live changed, puts the effective
   * configuration in force and notifies the listeners. Restart-only changes are never applied.
   *
   * @return the diff; {@link ConfigDiff#applies()} tells whether anything was put in force
   */
  public ConfigDiff apply(IngressConfig next) {
    synchronized (applyLock) {
      ConfigDiff diff = ConfigDiff.of(current, next);
      if (diff.applies()) {
        current = diff.effective();
        for (Listener l : listeners) {
          try {
            l.accept(diff);
          } catch (RuntimeException e) {
            LOG.atError().setCause(e).addKeyValue("changed", diff.changed()).log("config change listener failed");
          }
        }
      }
      return diff;
    }
  }
}
