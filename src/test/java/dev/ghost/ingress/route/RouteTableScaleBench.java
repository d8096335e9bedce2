package dev.ghost.ingress.route;

import java.util.Arrays;
import java.util.List;

/**
 * A microbench main (no JMH, not a test): time to build a route table of N routes from candidates (validation,
 * host-name normalisation, conflict resolution, per-port indexes), as every swap does today, and the time of a
 * batch of lookups in it. Run after {@code mvn -o -q test-compile package -DskipTests}:
 * {@code java -XX:+UseSerialGC -cp target/ingress.jar:target/test-classes dev.ghost.ingress.route.RouteTableScaleBench [N] [rounds]}.
 */
public final class RouteTableScaleBench {

  private RouteTableScaleBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    List<Route> candidates = ScaleRoutes.candidates(n);
    long[] builds = new long[rounds];
    long[] adds = new long[rounds];
    RouteTable table = null;
    for (int r = -3; r < rounds; r++) {
      long t0 = System.nanoTime();
      RouteTableBuilder b = new RouteTableBuilder(r, PortPolicy.DEFAULT);
      for (int e = 0; e < (n + 99) / 100; e++) {
        b.env("env_" + e, null, e);
      }
      candidates.forEach(b::add);
      long t1 = System.nanoTime();
      table = b.build();
      long t2 = System.nanoTime();
      if (r >= 0) {
        adds[r] = t1 - t0;
        builds[r] = t2 - t0;
      }
    }
    long t0 = System.nanoTime();
    int found = 0;
    for (int i = 0; i < n; i++) {
      PortRoutes at = table.routesAt(Scope.SHARED, ScaleRoutes.port(i));
      found += (ScaleRoutes.raw(i) ? at.raw() : at.byHost(ScaleRoutes.host(i))) != null ? 1 : 0;
    }
    long lookups = System.nanoTime() - t0;
    Arrays.sort(builds);
    Arrays.sort(adds);
    System.out.printf("routes=%d rounds=%d build_ms_median=%.1f build_ms_min=%.1f of_which_add_ms_median=%.1f"
            + " lookup_ns_per_route=%.0f found=%d heap_used_mib=%.1f%n", n, rounds, builds[rounds / 2] / 1e6,
        builds[0] / 1e6, adds[rounds / 2] / 1e6, (double) lookups / n, found,
        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0);
  }
}
