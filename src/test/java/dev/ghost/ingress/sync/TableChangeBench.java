package dev.ghost.ingress.sync;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.RoundRobinSelector;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.RouteProblemLog;
import dev.ghost.ingress.observe.RouteStateRetention;
import dev.ghost.ingress.proxy.ListenerPlan;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.TestNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A microbench main (no JMH, not a test): what one route change costs in the route table at N routes, step by
 * step: the new table built from scratch (what every change cost before) and derived from the previous one (what
 * it costs now), then each swap listener the node registers on the derived table (problem log, the retention of
 * per-route and per-backend state, the health probes' backend set as ProbeScheduler keeps it, the listener plan),
 * timed one by one. Median over the rounds, after warm-ups. Run after
 * {@code mvn -o -q test-compile package -DskipTests}:
 * {@code java -XX:+UseSerialGC -cp target/ingress.jar:target/test-classes dev.ghost.ingress.sync.TableChangeBench [N]
 * [rounds]}.
 */
public final class TableChangeBench {

  private TableChangeBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    IngressConfig config = TestNode.config(new TestNode.Spec().ipv6("::1"));
    ControlPlaneState state = SyncAtScaleTest.state(n, 9443);
    RouteTable first = state.toTable(1, PortPolicy.DEFAULT, List.of(), List.of());
    RouteTableRef tables = new RouteTableRef(first);
    IngressMetrics metrics = new IngressMetrics(new SimpleMeterRegistry());
    RoundRobinSelector selector = new RoundRobinSelector();
    BackendHealth health = new BackendHealth(Duration.ofSeconds(5), Duration.ofSeconds(60), System::nanoTime);
    Map<String, BiConsumer<RouteTable, RouteTable>> listeners = new LinkedHashMap<>();
    RouteTableRef logged = new RouteTableRef(first);
    RouteProblemLog.attach(logged);
    listeners.put("problem_log", (previous, t) -> logged.swap(t));
    RouteTableRef retained = new RouteTableRef(first);
    RouteStateRetention.attach(retained, selector, health, metrics);
    listeners.put("retention", (previous, t) -> retained.swap(t));
    Set<Backend> probed = new HashSet<>(first.backends());
    listeners.put("probe_backends", (previous, t) -> t.changeFrom(previous).ifPresentOrElse(c -> {
      c.removed().forEach(r -> r.backends().stream().filter(b -> !t.hasBackend(b)).forEach(probed::remove));
      c.added().forEach(r -> probed.addAll(r.backends()));
    }, () -> {
      probed.retainAll(t.backends());
      probed.addAll(t.backends());
    }));
    listeners.put("listener_plan", (previous, t) -> ListenerPlan.plan(config.listen(), t,
        ListenerPlan.Ipv6Sockets.V6_ONLY));
    int warm = 5;
    Map<String, long[]> ns = new LinkedHashMap<>();
    ns.put("to_table", new long[rounds]);
    ns.put("derive", new long[rounds]);
    listeners.keySet().forEach(k -> ns.put(k, new long[rounds]));
    long[] examined = new long[rounds];
    long eventId = n + 10;
    RouteTable table = first;
    for (int r = -warm; r < rounds; r++) {
      String id = "rt_" + (r + warm) * 7919 % n;
      int port = 10_000 + (r + warm);
      ControlPlaneState next = state.apply(List.of(new CpEvent.RouteUpdated(++eventId, id,
          new RoutePatch(null, port, null, null, null, null)))).next()
          .withBackends(id, List.of(new Backend("fd00::3", port), new Backend("fd00::4", port)));
      long t0 = System.nanoTime();
      next.toTable(r + 100, PortPolicy.DEFAULT, List.of(), List.of());
      long t1 = System.nanoTime();
      RouteTable derived = next.deriveTable(r + 100, PortPolicy.DEFAULT, state, table);
      long t2 = System.nanoTime();
      if (r >= 0) {
        ns.get("to_table")[r] = t1 - t0;
        ns.get("derive")[r] = t2 - t1;
        examined[r] = derived.routesExamined();
      }
      for (Map.Entry<String, BiConsumer<RouteTable, RouteTable>> l : listeners.entrySet()) {
        long a = System.nanoTime();
        l.getValue().accept(table, derived);
        long b = System.nanoTime();
        if (r >= 0) {
          ns.get(l.getKey())[r] = b - a;
        }
      }
      state = next;
      table = derived;
    }
    StringBuilder out = new StringBuilder("routes=" + n + " rounds=" + rounds);
    ns.forEach((k, v) -> {
      Arrays.sort(v);
      out.append(String.format(" %s_ms=%.3f", k, v[rounds / 2] / 1e6));
    });
    Arrays.sort(examined);
    out.append(" routes_examined=").append(examined[rounds / 2]);
    System.out.println(out);
  }
}
