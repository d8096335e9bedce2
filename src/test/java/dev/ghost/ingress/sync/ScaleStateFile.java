package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bench helper main (not a test): writes the state file a node synced from {@code bench/scalecp.py} with N
 * routes would write, so {@code bench/scale.py --file-only} can time a start from the state file at sizes whose
 * sync from the control plane does not finish. Same ids, names and backends (IPv4-mapped 127.0.0.2 and .3 on the
 * backend port).
 * {@code java -cp target/ingress.jar:target/test-classes dev.ghost.ingress.sync.ScaleStateFile FILE N PORT}.
 */
public final class ScaleStateFile {

  private ScaleStateFile() {}

  public static void main(String[] args) throws Exception {
    StateFile.write(Path.of(args[0]), state(Integer.parseInt(args[1]), Integer.parseInt(args[2])));
  }

  /** The state of {@code n} routes as {@code bench/scalecp.py} serves them, on backend port {@code port}. */
  static ControlPlaneState state(int n, int port) {
    Map<String, CpRoute> routes = new HashMap<>();
    Map<String, List<Backend>> backends = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String id = String.format("rt_%08d", i);
      String env = String.format("%06d", i / 100);
      routes.put(id, new CpRoute(id, "app_" + env, "env_" + env, String.format("r%08d.e%s.scale.test", i, env),
          443, Protocol.TLS_PASSTHROUGH, "web", port, false, false, false, null, i + 1));
      backends.put(id, List.of(new Backend("::ffff:127.0.0.2", port), new Backend("::ffff:127.0.0.3", port)));
    }
    return ControlPlaneState.restore(n, routes, Map.of(), backends, Map.of(), Map.of(), Map.of(), Set.of());
  }
}
