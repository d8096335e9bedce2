package dev.ghost.ingress.sync;

import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.RouteProblemLog;
import dev.ghost.ingress.observe.RouteTableMetrics;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A microbench main (no JMH, not a test): the cost of one route change on a state of N routes, step by step, as
 * the leader and a follower pay it: apply the event, set the route's backends, hash the result, compare it with
 * the state in force, diff it (the replicated delta), apply the delta on a follower and check its hash, encode the
 * state file, and build + swap the route table (with the node's swap listeners). Median over the rounds, after
 * warm-ups. Run after {@code mvn -o -q test-compile package -DskipTests}:
 * {@code java -XX:+UseSerialGC -cp target/ingress.jar:target/test-classes dev.ghost.ingress.sync.ChangeCostBench [N] [rounds]
 * [--no-file|--state-only]} ({@code --state-only}: no state file and no table, whose garbage would put young
 * collections into the other steps' times).
 */
public final class ChangeCostBench {

  private ChangeCostBench() {}

  private enum Step { APPLY, BACKENDS, HASH, SAME_CONTENT, DIFF, FOLLOWER_APPLY, STATE_FILE, TABLE }

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    String only = args.length > 2 ? args[2] : "";
    boolean withFile = !only.equals("--no-file") && !only.equals("--state-only");
    boolean withTable = !only.equals("--state-only");
    ControlPlaneState state = SyncAtScaleTest.state(n, 9443);
    state.contentHash();
    RouteTableRef tables = new RouteTableRef(state.toTable(1, PortPolicy.DEFAULT, List.of(), List.of()));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    IngressMetrics metrics = new IngressMetrics(registry);
    BackendHealth health = new BackendHealth(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(60),
        System::nanoTime);
    RouteTableMetrics.register(metrics, tables, health, Set::of);
    RouteProblemLog.attach(tables);
    tables.onSwap(t -> metrics.retainRoutes(id -> t.route(id) != null));
    int warm = 5;
    long[][] ns = new long[Step.values().length][rounds];
    long[] allocated = new long[rounds];
    long deltaBytes = 0;
    long fileBytes = 0;
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long eventId = n + 10;
    for (int r = -warm; r < rounds; r++) {
      String id = "rt_" + (r + warm) * 7919 % n;
      int port = 10_000 + (r + warm);
      long a0 = threads.getCurrentThreadAllocatedBytes();
      long t0 = System.nanoTime();
      ControlPlaneState.Applied applied = state.apply(List.of(new CpEvent.RouteUpdated(++eventId, id,
          new RoutePatch(null, port, null, null, null, null))));
      long t1 = System.nanoTime();
      ControlPlaneState next = applied.next().withBackends(id,
          List.of(new Backend("fd00::3", port), new Backend("fd00::4", port)));
      long t2 = System.nanoTime();
      String hash = next.contentHash();
      long t3 = System.nanoTime();
      boolean same = next.sameContent(state);
      long t4 = System.nanoTime();
      StateDelta delta = StateDelta.diff(state, next);
      String wire = delta.toJson().encode();
      long t5 = System.nanoTime();
      long a1 = threads.getCurrentThreadAllocatedBytes();
      ControlPlaneState follower = StateDelta.fromJson(new io.vertx.core.json.JsonObject(wire)).applyTo(state);
      boolean ok = follower.contentHash().equals(hash);
      long t6 = System.nanoTime();
      byte[] file = withFile ? StateFile.toJson(next, Instant.now()).encodePrettily()
          .getBytes(StandardCharsets.UTF_8) : new byte[0];
      long t7 = System.nanoTime();
      if (withTable) {
        RouteTable table = next.toTable(r + 100, PortPolicy.DEFAULT, List.of(), List.of());
        tables.swap(table);
      }
      long t8 = System.nanoTime();
      if (same || !ok) {
        throw new IllegalStateException("change not seen: same=" + same + " follower hash ok=" + ok);
      }
      state = next;
      if (r >= 0) {
        long[] at = {t0, t1, t2, t3, t4, t5, t6, t7, t8};
        for (Step s : Step.values()) {
          ns[s.ordinal()][r] = at[s.ordinal() + 1] - at[s.ordinal()];
        }
        allocated[r] = a1 - a0;
        deltaBytes = wire.length();
        fileBytes = file.length;
      }
    }
    StringBuilder out = new StringBuilder("routes=" + n + " rounds=" + rounds);
    for (Step s : Step.values()) {
      long[] v = ns[s.ordinal()];
      Arrays.sort(v);
      out.append(String.format(" %s_ms=%.3f", s.name().toLowerCase(), v[rounds / 2] / 1e6));
    }
    Arrays.sort(allocated);
    out.append(String.format(" leader_alloc_kib=%.1f delta_bytes=%d state_file_bytes=%d", allocated[rounds / 2]
        / 1024.0, deltaBytes, fileBytes));
    System.out.println(out);
  }
}
