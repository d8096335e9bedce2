package dev.ghost.ingress.route;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's current {@link RouteTable}. Readers call {@link #current()} once per connection and keep that
 * snapshot; writers {@link #swap} a whole new table in one volatile write, so no connection sees a mix.
 */
public final class RouteTableRef {

  private static final Logger LOG = LoggerFactory.getLogger(RouteTableRef.class);

  private volatile RouteTable current;
  private final List<BiConsumer<RouteTable, RouteTable>> listeners = new CopyOnWriteArrayList<>();
  // Serialises swaps so listeners see tables in the order they were installed; never taken on the read path.
  private final Object swapLock = new Object();

  /** @param initial the table served until the first swap */
  public RouteTableRef(RouteTable initial) {
    this.current = Objects.requireNonNull(initial, "initial");
  }

  /** The table to route against now. */
  public RouteTable current() {
    return current;
  }

  /**
   * Installs a new table and notifies the listeners on the calling thread, in registration order. A failing
   * listener is logged and does not stop the others.
   *
   * @return the table that was replaced
   */
  public RouteTable swap(RouteTable next) {
    Objects.requireNonNull(next, "next");
    synchronized (swapLock) {
      RouteTable previous = current;
      current = next;
      for (BiConsumer<RouteTable, RouteTable> listener : listeners) {
        try {
          listener.accept(previous, next);
        } catch (RuntimeException e) {
          LOG.warn("route table listener failed on version {}", next.version(), e);
        }
      }
      return previous;
    }
  }

  /**
   * Registers a listener for future swaps. Listeners run on the swapping thread and must not block (hand work to
   * an event loop instead).
   *
   * @return removes the listener when run
   */
  public Runnable onSwap(Consumer<RouteTable> listener) {
    Objects.requireNonNull(listener, "listener");
    return onSwapFrom((previous, next) -> listener.accept(next));
  }

  /**
   * Like {@link #onSwap}, with the table replaced as well: a listener that keeps per-route or per-backend state
   * asks the new table what changed from it ({@link RouteTable#changeFrom}), which costs the change, not the table.
   *
   * @return removes the listener when run
   */
  public Runnable onSwapFrom(BiConsumer<RouteTable, RouteTable> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
