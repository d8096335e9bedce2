package dev.ghost.ingress.eligibility;

import dev.ghost.ingress.route.Backend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Backends an operator drained administratively: not eligible for new connections on this node (connections
 * already relaying to them continue). Fleet-wide state: every node holds one instance and the admin commands merge
 * the other nodes' entries into it, so each backend is a last-writer-wins register (stamp, then origin node id as
 * the tie-break) and an undrain is kept as a tombstone, so a node that missed a message converges with the next
 * full-state broadcast instead of resurrecting an old drain. Thread-safe; lookups are one hash read.
 */
public final class AdminDrains {

  /**
   * One backend's admin state.
   *
   * @param backend the backend
   * @param drained true when drained, false for an undrain (tombstone)
   * @param stamp   wall-clock milliseconds of the change, made strictly increasing per node
   * @param origin  node id that made the change
   */
  public record Entry(Backend backend, boolean drained, long stamp, String origin) {
    /** Validates the fields. */
    public Entry {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(origin, "origin");
    }

    boolean newerThan(Entry other) {
      return other == null || stamp > other.stamp || (stamp == other.stamp && origin.compareTo(other.origin) > 0);
    }
  }

  private final ConcurrentHashMap<Backend, Entry> entries = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final LongSupplier wallClock;
  private long lastStamp;

  /** @param wallClock epoch milliseconds, e.g. {@code System::currentTimeMillis} */
  public AdminDrains(LongSupplier wallClock) {
    this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
  }

  /** On the system clock. */
  public AdminDrains() {
    this(System::currentTimeMillis);
  }

  /**
   * Registers a listener run (on the changing thread; it must not block) whenever a backend's drained status
   * changes, so open connections to a newly drained backend can start their drain clock.
   */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  private void changed() {
    listeners.forEach(Runnable::run);
  }

  /** True when the backend is drained. */
  public boolean isDrained(Backend backend) {
    Entry e = entries.get(backend);
    return e != null && e.drained();
  }

  /** True when nothing is drained (the selector's fast path). */
  public boolean noneDrained() {
    for (Entry e : entries.values()) {
      if (e.drained()) {
        return false;
      }
    }
    return true;
  }

  /**
   * A local change: drains or undrains the backend with a stamp newer than anything this node has seen, and
   * returns the entry to broadcast. Idempotent in effect.
   */
  public synchronized Entry set(Backend backend, boolean drained, String origin) {
    Entry old = entries.get(backend);
    long stamp = Math.max(wallClock.getAsLong(), lastStamp + 1);
    if (old != null && old.stamp() >= stamp) {
      stamp = old.stamp() + 1;
    }
    lastStamp = stamp;
    Entry e = new Entry(backend, drained, stamp, origin);
    entries.put(backend, e);
    if ((old != null && old.drained()) != drained) {
      changed();
    }
    return e;
  }

  /** Merges an entry from another node; returns true when it changed this node's state. */
  public synchronized boolean merge(Entry incoming) {
    Entry old = entries.get(incoming.backend());
    if (!incoming.newerThan(old)) {
      return false;
    }
    entries.put(incoming.backend(), incoming);
    lastStamp = Math.max(lastStamp, incoming.stamp());
    boolean flipped = old == null ? incoming.drained() : old.drained() != incoming.drained();
    if (flipped) {
      changed();
    }
    return flipped;
  }

  /** Every entry (tombstones included), sorted by backend: the full state to broadcast. */
  public List<Entry> entries() {
    List<Entry> out = new ArrayList<>(entries.values());
    out.sort((a, b) -> a.backend().toString().compareTo(b.backend().toString()));
    return Collections.unmodifiableList(out);
  }

  /** The drained backends, sorted by address text. */
  public List<String> drained() {
    Map<String, Boolean> out = new TreeMap<>();
    entries.values().forEach(e -> {
      if (e.drained()) {
        out.put(e.backend().toString(), true);
      }
    });
    return List.copyOf(out.keySet());
  }
}
