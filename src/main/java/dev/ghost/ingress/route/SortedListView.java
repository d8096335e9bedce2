package dev.ghost.ingress.route;

import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.SortedSet;

/**
 * A list already sorted and without duplicates, seen as the {@link SortedSet} a persistent set is built from in
 * linear time ({@code TreePSet.fromSortedSet}), instead of sorting it into a {@code TreeSet} first. Read-only; only
 * what that build reads (iteration, size, comparator, ends) is supported.
 */
final class SortedListView<E> extends AbstractSet<E> implements SortedSet<E> {

  private final List<E> sorted;
  private final Comparator<? super E> order;

  /** @param sorted ascending in {@code order}, no two elements equal in it */
  SortedListView(List<E> sorted, Comparator<? super E> order) {
    this.sorted = sorted;
    this.order = order;
  }

  @Override
  public Iterator<E> iterator() {
    return java.util.Collections.unmodifiableList(sorted).iterator();
  }

  @Override
  public int size() {
    return sorted.size();
  }

  @Override
  public Comparator<? super E> comparator() {
    return order;
  }

  @Override
  public E first() {
    return sorted.get(0);
  }

  @Override
  public E last() {
    return sorted.get(sorted.size() - 1);
  }

  @Override
  public SortedSet<E> subSet(E fromElement, E toElement) {
    throw new UnsupportedOperationException();
  }

  @Override
  public SortedSet<E> headSet(E toElement) {
    throw new UnsupportedOperationException();
  }

  @Override
  public SortedSet<E> tailSet(E fromElement) {
    throw new UnsupportedOperationException();
  }
}
