package dev.ghost.ingress.sync;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * Entries appended in strictly ascending key order, seen as the {@link SortedMap} a persistent map is built from in
 * linear time ({@code TreePMap.fromSortedMap}). The state file lists routes and backend sets by route id, as the
 * sorted maps it was written from hold them, so a read keeps them as they come instead of hashing them into one map
 * and sorting them into another (two map entries per route and a comparison-sort at 100 000 routes).
 *
 * <p>Read-only once filled; {@link #get} and {@link #containsKey} search by halves; only what the persistent map's
 * build and the state's checks read (iteration, size, ends, lookups) is supported. Not thread-safe.
 *
 * @param <V> the values
 */
final class SortedEntries<V> extends AbstractMap<String, V> implements SortedMap<String, V> {

  private final List<String> keys = new ArrayList<>();
  private final List<Map.Entry<String, V>> entries = new ArrayList<>();
  /** Where {@link #seek} last stopped: a lookup in ascending order walks the keys once. */
  private int cursor;

  /** True when {@code map} iterates in the natural order of its keys (a sorted map without another comparator). */
  static boolean naturallySorted(Map<String, ?> map) {
    if (!(map instanceof SortedMap<String, ?> sorted)) {
      return false;
    }
    Comparator<? super String> order = sorted.comparator();
    return order == null || order == Comparator.naturalOrder();
  }

  /**
   * {@code map} as a map that takes keys in any order: a {@link java.util.LinkedHashMap} of its entries when it is
   * a run of these, which only takes ascending keys; {@code map} itself otherwise.
   */
  static <V> Map<String, V> anyOrder(Map<String, V> map) {
    return map instanceof SortedEntries<V> run ? new java.util.LinkedHashMap<>(run) : map;
  }

  /** Appends when {@code key} is above every key so far; false (nothing appended) otherwise. */
  boolean append(String key, V value) {
    if (!keys.isEmpty() && keys.get(keys.size() - 1).compareTo(key) >= 0) {
      return false;
    }
    keys.add(key);
    entries.add(new SimpleImmutableEntry<>(key, value));
    return true;
  }

  /**
   * The value of {@code key}, or null: a walk forward from the last key sought when keys are sought in ascending
   * order (one comparison per key passed), a search by halves otherwise.
   */
  V seek(String key) {
    while (cursor < keys.size() && keys.get(cursor).compareTo(key) < 0) {
      cursor++;
    }
    if (cursor < keys.size() && keys.get(cursor).equals(key)) {
      return entries.get(cursor).getValue();
    }
    return get(key);
  }

  @Override
  public V get(Object key) {
    int i = key instanceof String s ? Collections.binarySearch(keys, s) : -1;
    return i < 0 ? null : entries.get(i).getValue();
  }

  @Override
  public boolean containsKey(Object key) {
    return key instanceof String s && Collections.binarySearch(keys, s) >= 0;
  }

  @Override
  public int size() {
    return keys.size();
  }

  @Override
  public Set<Map.Entry<String, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, V>> iterator() {
        return Collections.unmodifiableList(entries).iterator();
      }

      @Override
      public int size() {
        return entries.size();
      }
    };
  }

  @Override
  public Comparator<? super String> comparator() {
    return null;
  }

  @Override
  public String firstKey() {
    if (keys.isEmpty()) {
      throw new java.util.NoSuchElementException();
    }
    return keys.get(0);
  }

  @Override
  public String lastKey() {
    if (keys.isEmpty()) {
      throw new java.util.NoSuchElementException();
    }
    return keys.get(keys.size() - 1);
  }

  @Override
  public SortedMap<String, V> subMap(String fromKey, String toKey) {
    throw new UnsupportedOperationException();
  }

  @Override
  public SortedMap<String, V> headMap(String toKey) {
    throw new UnsupportedOperationException();
  }

  @Override
  public SortedMap<String, V> tailMap(String fromKey) {
    throw new UnsupportedOperationException();
  }
}
