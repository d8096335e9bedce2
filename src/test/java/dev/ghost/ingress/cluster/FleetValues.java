package dev.ghost.ingress.cluster;

import com.hazelcast.spi.merge.MergingValue;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.CpEvent;
import dev.ghost.ingress.sync.CpRoute;
import dev.ghost.ingress.sync.SyncVerticle.Served;
import java.util.List;

/** Values the routing-map tests share: a one-route control-plane state, its served form, a merge candidate. */
final class FleetValues {

  private FleetValues() {}

  /** The state after one event, {@code eventId}, creating route {@code routeId}. */
  static ControlPlaneState state(long eventId, String routeId) {
    return ControlPlaneState.EMPTY.apply(List.of(new CpEvent.RouteCreated(eventId, new CpRoute(routeId, "app_1",
        "env_1", "a.example.com", 8443, Protocol.TLS_PASSTHROUGH, "web", 9443, false, false, false, null,
        eventId)))).next();
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
