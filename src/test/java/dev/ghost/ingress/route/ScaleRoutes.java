package dev.ghost.ingress.route;

import java.util.ArrayList;
import java.util.List;

/**
 * A generated table of the issue-11 shape: {@code n} routes over {@code n / 100} envs, the first {@link #IPV4_ENVS}
 * envs with a dedicated IPv4, spread over a few TLS ports, every 1000th route tcp_raw on its own port, and every
 * {@link #DUPLICATE_EVERY}th route followed by a younger duplicate of its name (a conflict the older one wins).
 */
final class ScaleRoutes {

  static final int[] TLS_PORTS = {443, 8443, 9443};
  static final int IPV4_ENVS = 10;
  static final int DUPLICATE_EVERY = 997;
  static final int RAW_EVERY = 1000;
  static final int RAW_PORT_BASE = 20000;

  private ScaleRoutes() {}

  static String id(int i) {
    return "rt_" + i;
  }

  static String env(int i) {
    return "env_" + i / 100;
  }

  static String host(int i) {
    return "r" + i + ".e" + i / 100 + ".scale.test";
  }

  static boolean raw(int i) {
    return i % RAW_EVERY == RAW_EVERY - 1;
  }

  static int port(int i) {
    return raw(i) ? RAW_PORT_BASE + i / RAW_EVERY : TLS_PORTS[i % TLS_PORTS.length];
  }

  static boolean hasIpv4(int i) {
    return i / 100 < IPV4_ENVS;
  }

  static String duplicateId(int i) {
    return "dup_" + i;
  }

  static boolean duplicated(int i) {
    return !raw(i) && i % DUPLICATE_EVERY == 0;
  }

  /** The candidates, ranked by index (duplicates ranked after everything, so they lose). */
  static List<Route> candidates(int n) {
    List<Route> out = new ArrayList<>(n + n / DUPLICATE_EVERY + 1);
    for (int i = 0; i < n; i++) {
      List<Backend> backends = List.of(new Backend("fd00::" + Integer.toHexString(i / 100 * 2 + 1), 8443),
          new Backend("fd00::" + Integer.toHexString(i / 100 * 2 + 2), 8443));
      Route c = raw(i) ? Route.raw(id(i), port(i)) : Route.tls(id(i), host(i), port(i));
      out.add(c.withEnv(env(i)).withOrigin(Origin.CONTROL_PLANE, i).withBackends(backends));
      if (duplicated(i)) {
        out.add(Route.tls(duplicateId(i), host(i).toUpperCase(java.util.Locale.ROOT), port(i))
            .withEnv(env(i)).withOrigin(Origin.CONTROL_PLANE, n + i).withBackends(backends));
      }
    }
    return out;
  }

  /** The builder of {@link #candidates} with every env declared (the first ones with an IPv4). */
  static RouteTableBuilder builder(int n, long version) {
    RouteTableBuilder b = new RouteTableBuilder(version, PortPolicy.DEFAULT);
    for (int e = 0; e < (n + 99) / 100; e++) {
      b.env("env_" + e, e < IPV4_ENVS ? "10.1." + e / 256 + "." + (e % 256 + 1) : null, e);
    }
    candidates(n).forEach(b::add);
    return b;
  }
}
