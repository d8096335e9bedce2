package dev.ghost.ingress.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableRefTest {

  @Test
  void swapPublishesTheNewTableAndNotifiesListenersInOrder() {
    RouteTable v1 = RouteTable.empty(1);
    RouteTable v2 = RouteTable.empty(2);
    RouteTableRef ref = new RouteTableRef(v1);
    List<String> seen = new ArrayList<>();
    ref.onSwap(t -> seen.add("a" + t.version()));
    ref.onSwap(t -> {
      throw new IllegalStateException("a broken listener must not stop the others");
    });
    Runnable cancelC = ref.onSwap(t -> seen.add("c" + t.version()));

    assertThat(ref.swap(v2)).isSameAs(v1);
    assertThat(ref.current()).isSameAs(v2);
    cancelC.run();
    ref.swap(v1);

    assertThat(seen).containsExactly("a2", "c2", "a1");
  }
}
