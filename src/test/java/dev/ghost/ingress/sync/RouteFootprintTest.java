package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.RouteTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jol.info.GraphLayout;

/**
 * What a route costs in heap once a node serves it from its state file: the synced state and the route table of
 * N routes over N / 100 environments with two instances each (the issue-11 shape), read back from a state file as
 * a restart does, measured in bytes by walking the object graph (deterministic for a JVM). The budget is per route,
 * marginal between 1 000 and 10 000 routes, so the fixed parts do not count. Per-route copies coming back (of the
 * backend sets, texts and host names: 886 bytes a route before they were shared) or a meter's worth of objects per
 * route (about 600 bytes) fail it; {@code observe.RouteGaugesTest} counts the registry's meters.
 */
class RouteFootprintTest {

  /**
   * Bytes per route: 465 measured on JDK 17 (state and table of a route whose environment has two instances; 409
   * before the table kept what a change needs to derive the next one: the table went from 134 to 190); the node's
   * whole heap per route is to stay under 2 KiB.
   */
  static final long BUDGET_PER_ROUTE = 600;

  static {
    // records' final fields: JOL reads their offsets this way on JDK 17 (before its first use)
    System.setProperty("jol.magicFieldOffset", "true");
  }

  @TempDir
  Path dir;

  @Test
  void aRouteServedFromTheStateFileCostsLessThanItsBudget() throws IOException {
    long small = footprint(1_000);
    long large = footprint(10_000);
    long perRoute = (large - small) / 9_000;
    assertThat(perRoute).as("heap bytes per route, state and table").isLessThanOrEqualTo(BUDGET_PER_ROUTE);
  }

  private long footprint(int n) throws IOException {
    Path file = dir.resolve("state-" + n + ".json");
    StateFile.write(file, state(n));
    ControlPlaneState read = ((StateFile.Loaded.Ok) StateFile.read(file)).state();
    RouteTable table = read.toTable(1, null, List.of(), List.of());
    assertThat(table.routes()).hasSize(n);
    return GraphLayout.parseInstance(read, table).totalSize();
  }

  /** N routes over N / 100 environments, each with its own two instances, as bench/scalecp.py serves them. */
  static ControlPlaneState state(int n) {
    Map<String, CpRoute> routes = new HashMap<>();
    Map<String, List<Backend>> backends = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String id = String.format("rt_%08d", i);
      int env = i / 100;
      String e = String.format("%06d", env);
      routes.put(id, new CpRoute(id, "app_" + e, "env_" + e, String.format("r%08d.e%s.scale.test", i, e), 443,
          Protocol.TLS_PASSTHROUGH, "web", 8443, false, false, false, null, i + 1));
      backends.put(id, List.of(new Backend("fd00::" + Integer.toHexString(2 * env + 1), 8443),
          new Backend("fd00::" + Integer.toHexString(2 * env + 2), 8443)));
    }
    return ControlPlaneState.restore(n, routes, Map.of(), backends, Map.of(), Map.of(), Map.of(), List.of());
  }
}
