package dev.ghost.ingress.route;

import java.util.AbstractList;
import java.util.Iterator;
import java.util.List;
import org.pcollections.TreePSet;

/**
 * A table's reachable routes as a list, oldest first, over the persistent set that holds them: iterating and the
 * size cost what the set's do; indexing copies the set once, on first use.
 */
final class RouteList extends AbstractList<Route> {

  private final TreePSet<Route> routes;
  private List<Route> indexed;

  RouteList(TreePSet<Route> routes) {
    this.routes = routes;
  }

  @Override
  public Route get(int index) {
    if (indexed == null) {
      indexed = List.copyOf(routes);
    }
    return indexed.get(index);
  }

  @Override
  public int size() {
    return routes.size();
  }

  @Override
  public Iterator<Route> iterator() {
    Iterator<Route> it = routes.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Route next() {
        return it.next();
      }
    };
  }

  @Override
  public boolean contains(Object o) {
    return o instanceof Route r && routes.contains(r) && routes.ceiling(r).equals(r);
  }
}
