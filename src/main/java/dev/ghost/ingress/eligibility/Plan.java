package dev.ghost.ingress.eligibility;

import dev.ghost.ingress.route.Backend;
import java.util.List;

/**
 * The backends one connection will try, in order.
 *
 * @param order distinct backends, first choice first; empty means "no eligible backend"
 * @param panic every backend of the route was ejected, so ejected ones are tried rather than black-holing the route
 */
public record Plan(List<Backend> order, boolean panic) {

  /** Nothing to try. */
  public static final Plan EMPTY = new Plan(List.of(), false);

  /** Copies the order. */
  public Plan {
    order = List.copyOf(order);
  }

  /** True when there is nothing to try. */
  public boolean isEmpty() {
    return order.isEmpty();
  }
}
