package dev.ghost.ingress.cluster;

import com.hazelcast.spi.merge.MergingValue;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.CpEvent;
import dev.ghost.ingress.sync.CpRoute;
import dev.ghost.ingress.sync.SyncVerticle.Served;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Values the routing-map tests share: a one-route control-plane state, a large one, the served form, a merge
 * candidate.
 */
final class FleetValues {

  private FleetValues() {}

  /** The state after one event, {@code eventId}, creating route {@code routeId}. */
  static ControlPlaneState state(long eventId, String routeId) {
    return ControlPlaneState.EMPTY.apply(List.of(new CpEvent.RouteCreated(eventId, new CpRoute(routeId, "app_1",
        "env_1", "a.example.com", 8443, Protocol.TLS_PASSTHROUGH, "web", 9443, false, false, false, null,
        eventId)))).next();
  }

  /** {@code n} routes over n/100 envs, two backends each (as the scale bench serves them). */
  static ControlPlaneState routes(int n) {
    List<CpEvent> created = new ArrayList<>(n);
    Map<String, List<Backend>> backends = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String id = "rt_" + i;
      created.add(new CpEvent.RouteCreated(i + 1, new CpRoute(id, "app_" + i / 100, "env_" + i / 100,
          "r" + i + ".scale.test", 443, Protocol.TLS_PASSTHROUGH, "web", 9443, false, false, false, null, i + 1)));
      backends.put(id, List.of(new Backend("fd00::1", 9443), new Backend("fd00::2", 9443)));
    }
    return ControlPlaneState.EMPTY.apply(created).next().withBackends(backends);
  }

  /** {@code s} as a node serves it, its hash computed and its table applied. */
  static Served served(ControlPlaneState s) {
    return new Served(s, s.contentHash(), true);
  }

  /** One side of a split-brain merge, as Hazelcast hands it to a merge policy. */
  static MergingValue<Object> merging(Object v) {
    return new MergingValue<>() {
      @Override
      public Object getValue() {
        return v;
      }

      @Override
      public Object getRawValue() {
        return v;
      }
    };
  }
}
