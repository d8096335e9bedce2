package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Equal values read from one state file as one instance each: the app, env and process type of the routes of an
 * environment, a backend address, and a group's backend set shared by every route of the group. A parse makes every
 * value anew, so at 100 000 routes of 1 000 environments the copies were several hundred bytes per route, kept for
 * the node's life (the state and the route table hold them). Not thread-safe: one per read.
 */
final class Dedup {

  private final Map<String, String> texts = new HashMap<>();
  private final Map<String, Backend> backends = new HashMap<>();
  private final Map<List<Backend>, List<Backend>> sets = new HashMap<>();

  /** The first equal string seen; null stays null. */
  String text(String s) {
    return s == null ? null : texts.computeIfAbsent(s, k -> k);
  }

  /** The backend written as {@code text}, parsed once per distinct text. */
  Backend backend(String text) {
    Backend b = backends.get(text);
    if (b == null) {
      b = Backend.parse(text);
      backends.put(text, b);
    }
    return b;
  }

  /** The first equal backend set seen, as an unmodifiable list. */
  List<Backend> set(List<Backend> set) {
    return sets.computeIfAbsent(List.copyOf(set), k -> k);
  }
}
