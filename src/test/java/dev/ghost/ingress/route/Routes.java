package dev.ghost.ingress.route;

import java.util.List;

/** Terse route inputs for tests. */
public final class Routes {

  public static final Backend B1 = new Backend("fd00::1", 8443);
  public static final Backend B2 = new Backend("fd00::2", 8443);
  public static final Backend B3 = new Backend("fd00::3", 8443);

  private Routes() {}

  /** A control-plane tls_passthrough route with one backend. */
  public static Route tls(String id, String host, int port, long rank) {
    return Route.tls(id, host, port).withOrigin(Origin.CONTROL_PLANE, rank).withBackends(List.of(B1));
  }

  /** A control-plane tcp_raw route with one backend. */
  public static Route raw(String id, int port, long rank) {
    return Route.raw(id, port).withOrigin(Origin.CONTROL_PLANE, rank).withBackends(List.of(B1));
  }

  /** A static tls_passthrough route. */
  public static Route staticTls(String id, String host, int port, long index) {
    return tls(id, host, port, 0).withOrigin(Origin.STATIC, index);
  }

  /** A builder with the default port policy, fed in the given order. */
  public static RouteTable build(List<Route> in) {
    RouteTableBuilder b = new RouteTableBuilder(7, PortPolicy.DEFAULT);
    in.forEach(b::add);
    return b.build();
  }

  /** The ids of a table's applied routes. */
  public static List<String> ids(RouteTable t) {
    return t.routes().stream().map(Route::id).toList();
  }
}
