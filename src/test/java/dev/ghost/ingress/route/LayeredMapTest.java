package dev.ghost.ingress.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A layered map answers like a plain map after any sequence of puts and removals, across the folds of its overlay
 * into a new base, and an older version is never changed by a newer one.
 */
class LayeredMapTest {

  @Test
  void answersLikeAHashMapThroughFolds() {
    Random rnd = new Random(4242);
    for (int round = 0; round < 20; round++) {
      HashMap<Integer, String> start = new HashMap<>();
      for (int i = 0; i < rnd.nextInt(300); i++) {
        start.put(rnd.nextInt(600), "v" + i);
      }
      Map<Integer, String> oracle = new HashMap<>(start);
      LayeredMap<Integer, String> map = LayeredMap.of(new HashMap<>(start));
      LayeredMap<Integer, String> first = map;
      for (int op = 0; op < 2_000; op++) {
        int key = rnd.nextInt(600);
        if (rnd.nextInt(3) == 0) {
          map = map.minus(key);
          oracle.remove(key);
        } else {
          map = map.plus(key, "w" + op);
          oracle.put(key, "w" + op);
        }
        assertThat(map.size()).isEqualTo(oracle.size());
        assertThat(map.get(key)).isEqualTo(oracle.get(key));
      }
      for (int key = 0; key < 600; key++) {
        assertThat(map.get(key)).as("key %d", key).isEqualTo(oracle.get(key));
        assertThat(map.keys().contains(key)).isEqualTo(oracle.containsKey(key));
        assertThat(first.get(key)).as("the first version is unchanged").isEqualTo(start.get(key));
      }
      assertThat(new HashSet<>(map.keys())).isEqualTo(oracle.keySet());
      assertThat(new HashSet<>(map.values())).isEqualTo(new HashSet<>(oracle.values()));
    }
  }
}
