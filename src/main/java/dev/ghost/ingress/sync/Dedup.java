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

  /** Slots of {@link #recent}: a power of two, above the apps and envs of 100 000 routes. */
  private static final int RECENT_SLOTS = 1 << 12;

  private final Map<String, String> texts = new HashMap<>();
  /**
   * The texts last made from characters, by their hash: a repeated value read by a parser (an env's app, env and
   * process type, a backend's address: most of a route's texts) is found without making a string to look it up.
   */
  private final String[] recent = new String[RECENT_SLOTS];
  private final Map<String, Backend> backends = new HashMap<>();
  private final Map<List<Backend>, List<Backend>> sets = new HashMap<>();

  /** The first equal string seen; null stays null. */
  String text(String s) {
    return s == null ? null : texts.computeIfAbsent(s, k -> k);
  }

  /**
   * The first equal string seen for {@code chars[offset, offset + length)} (a parser's buffer, say), made into a
   * string only when no equal one was made recently.
   */
  String text(char[] chars, int offset, int length) {
    int hash = 0;
    for (int i = offset; i < offset + length; i++) {
      hash = 31 * hash + chars[i];
    }
    int slot = (hash ^ (hash >>> 16)) & (RECENT_SLOTS - 1);
    String seen = recent[slot];
    if (seen != null && equal(seen, chars, offset, length)) {
      return seen;
    }
    String made = text(new String(chars, offset, length));
    recent[slot] = made;
    return made;
  }

  private static boolean equal(String s, char[] chars, int offset, int length) {
    if (s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (s.charAt(i) != chars[offset + i]) {
        return false;
      }
    }
    return true;
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

  /** The first equal backend set seen, as an unmodifiable list ({@code set} itself may be reused by the caller). */
  List<Backend> set(List<Backend> set) {
    List<Backend> seen = sets.get(set); // looked up as it is: a copy only for a set not seen yet
    if (seen == null) {
      seen = List.copyOf(set);
      sets.put(seen, seen);
    }
    return seen;
  }
}
