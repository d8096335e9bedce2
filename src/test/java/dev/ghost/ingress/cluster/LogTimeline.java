package dev.ghost.ingress.cluster;

import dev.ghost.ingress.testing.JarProcess;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the nodes of a {@link ChaosFleet} logged after a moment of harm, as one timeline in milliseconds since it
 * (the nodes' JSON lines carry their wall-clock {@code ts}; the test JVM shares the machine's clock): where a
 * failover spends its time, printed by the chaos ITs. For reading only: no test asserts on log timing.
 */
final class LogTimeline {

  /** One log line of node {@code node}, {@code atMs} after the start. */
  record Entry(long atMs, int node, JsonObject line) {
    @Override
    public String toString() {
      String fields = line.fieldNames().stream().filter(f -> !List.of("ts", "level", "logger", "msg").contains(f))
          .map(f -> f + "=" + line.getValue(f)).reduce((a, b) -> a + " " + b).orElse("");
      return String.format("%+6d ms  node-%d  %s %s", atMs, node, line.getString("msg"), fields);
    }
  }

  private LogTimeline() {}

  /** The lines of {@code nodes} logged at or after {@code startMs} (wall clock) that {@code keep}, in time order. */
  static List<Entry> since(ChaosFleet chaos, long startMs, List<Integer> nodes, Predicate<JsonObject> keep) {
    List<Entry> out = new ArrayList<>();
    for (int i : nodes) {
      for (String l : chaos.fleet.node(i).process().stdout()) {
        JarProcess.json(l).filter(keep).ifPresent(j -> {
          long at = Instant.parse(j.getString("ts")).toEpochMilli() - startMs;
          if (at >= 0) {
            out.add(new Entry(at, i, j));
          }
        });
      }
    }
    out.sort(Comparator.comparingLong(Entry::atMs));
    return out;
  }

  /** The failover chain's lines: membership, election, sync, tables, the routing log and new listeners. */
  static boolean failoverLine(JsonObject j) {
    String logger = String.valueOf(j.getString("logger"));
    String msg = String.valueOf(j.getString("msg"));
    return logger.startsWith("cluster.") || logger.startsWith("sync.") || msg.equals("listening")
        || msg.contains("is suspected to be dead")
        || msg.contains("Mastership of") || msg.contains("Resetting local member UUID") || msg.contains("is merging")
        || msg.contains("clock jump");
  }

  /** Prints the timeline, each line prefixed by {@code tag}. */
  static void print(String tag, List<Entry> entries) {
    entries.forEach(e -> System.out.println("[" + tag + "] " + e));
  }
}
