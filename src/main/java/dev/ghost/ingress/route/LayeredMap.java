package dev.ghost.ingress.route;

import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pcollections.HashPMap;
import org.pcollections.HashTreePMap;

/**
 * An immutable hash map made for tables derived change by change: a plain {@link HashMap} built once (as cheap to
 * build and to read as any), under a small persistent overlay of the keys changed since. A lookup probes the overlay
 * (skipped while it is empty) then the base; a change copies only the overlay's path. Once the overlay holds more
 * than an eighth of the base, the next change folds it into a new base: a copy of the map, paid once per that many
 * changes, so a change costs O(1) amortised. Persistent hash maps alone cost several times a {@code HashMap} to
 * build, and a full build at 100 000 routes paid that for every map of the table.
 *
 * @param <K> key
 * @param <V> value
 */
final class LayeredMap<K, V> {

  private static final Object GONE = new Object();
  private static final int MIN_OVERLAY = 64;

  private final Map<K, V> base;
  private final HashPMap<K, Object> overlay;
  private final int size;

  private LayeredMap(Map<K, V> base, HashPMap<K, Object> overlay, int size) {
    this.base = base;
    this.overlay = overlay;
    this.size = size;
  }

  /** A map over {@code base}, which the caller hands over and never changes again. */
  static <K, V> LayeredMap<K, V> of(HashMap<K, V> base) {
    return new LayeredMap<>(base, HashTreePMap.empty(), base.size());
  }

  /** The empty map. */
  static <K, V> LayeredMap<K, V> empty() {
    return new LayeredMap<>(Map.of(), HashTreePMap.empty(), 0);
  }

  @SuppressWarnings("unchecked")
  V get(Object key) {
    if (!overlay.isEmpty()) {
      Object o = overlay.get(key);
      if (o != null) {
        return o == GONE ? null : (V) o;
      }
    }
    return base.get(key);
  }

  boolean containsKey(Object key) {
    return get(key) != null;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** This map with {@code key} mapped to {@code value} (never null). */
  LayeredMap<K, V> plus(K key, V value) {
    int n = containsKey(key) ? size : size + 1;
    return settle(overlay.plus(key, value), n);
  }

  /** This map without {@code key}. */
  LayeredMap<K, V> minus(K key) {
    if (!containsKey(key)) {
      return this;
    }
    HashPMap<K, Object> next = base.containsKey(key) ? overlay.plus(key, GONE) : overlay.minus(key);
    return settle(next, size - 1);
  }

  private LayeredMap<K, V> settle(HashPMap<K, Object> next, int n) {
    if (next.size() <= Math.max(MIN_OVERLAY, base.size() / 8)) {
      return new LayeredMap<>(base, next, n);
    }
    HashMap<K, V> folded = new HashMap<>(base);
    fold(next, folded);
    return new LayeredMap<>(folded, HashTreePMap.empty(), folded.size());
  }

  @SuppressWarnings("unchecked")
  private static <K, V> void fold(HashPMap<K, Object> overlay, HashMap<K, V> into) {
    overlay.forEach((k, v) -> {
      if (v == GONE) {
        into.remove(k);
      } else {
        into.put(k, (V) v);
      }
    });
  }

  /** The values, in no particular order (a copy: O(size)). */
  Collection<V> values() {
    if (overlay.isEmpty()) {
      return java.util.Collections.unmodifiableCollection(base.values());
    }
    HashMap<K, V> all = new HashMap<>(base);
    fold(overlay, all);
    return all.values();
  }

  /** The value of the only entry; call only when {@link #size()} is 1. */
  V only() {
    if (!overlay.isEmpty()) {
      for (V v : values()) {
        return v;
      }
    }
    return base.values().iterator().next();
  }

  /** The keys, as a read-only view whose {@code contains} is a lookup; iterating it copies. */
  Set<K> keys() {
    return new AbstractSet<>() {
      @Override
      public boolean contains(Object o) {
        return containsKey(o);
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<K> iterator() {
        List<K> keys;
        if (overlay.isEmpty()) {
          keys = new ArrayList<>(base.keySet());
        } else {
          HashMap<K, V> all = new HashMap<>(base);
          fold(overlay, all);
          keys = new ArrayList<>(all.keySet());
        }
        return java.util.Collections.unmodifiableList(keys).iterator();
      }
    };
  }
}
