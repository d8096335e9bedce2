package dev.ghost.ingress.cluster;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches every node of a {@link ChaosFleet} while a test does harm, one task per node every 200 ms, and records
 * what must never happen:
 * <ul>
 *   <li>the sync cursor a node reports ({@code /v1/status}) goes backwards: it applied an older table;</li>
 *   <li>a deleted route comes back on a node that had dropped it: listed in {@code /v1/routes} again, or a real TLS
 *       connection with its SNI completes through the node.</li>
 * </ul>
 * A paused node is not watched (its admin answers would only queue); it is again once resumed.
 */
final class ChaosWatch implements AutoCloseable {

  private final ChaosFleet fleet;
  private final ScheduledExecutorService pool;
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final long[] maxCursor;
  private final Set<Integer> paused = ConcurrentHashMap.newKeySet();
  private volatile String deleted;
  private volatile int deletedPort;
  private volatile String deletedSni;
  /** Per node: nanoTime when it was first seen without the deleted route (0: not yet). */
  private final long[] droppedAt;

  ChaosWatch(ChaosFleet fleet) {
    this.fleet = fleet;
    int n = fleet.fleet.size();
    this.maxCursor = new long[n];
    this.droppedAt = new long[n];
    this.pool = Executors.newScheduledThreadPool(n, r -> {
      Thread t = new Thread(r, "chaos-watch");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < n; i++) {
      int node = i;
      pool.scheduleWithFixedDelay(() -> watch(node), 0, 200, TimeUnit.MILLISECONDS);
    }
  }

  /** From now on route {@code id} ({@code sni} on {@code routePort}), once gone from a node, must stay gone. */
  void deleted(String id, int routePort, String sni) {
    deletedPort = routePort;
    deletedSni = sni;
    deleted = id;
  }

  void pause(int i) {
    paused.add(i);
  }

  void resume(int i) {
    paused.remove(i);
  }

  /** True once node {@code i} was seen without the deleted route (neither listed nor served). */
  boolean dropped(int i) {
    return droppedAt[i] != 0;
  }

  /** nanoTime at which node {@code i} was first seen without the deleted route, 0 if never. */
  long droppedAt(int i) {
    return droppedAt[i];
  }

  /** Everything that must not have happened, so far. */
  List<String> violations() {
    return List.copyOf(violations);
  }

  private void watch(int i) {
    if (paused.contains(i) || !fleet.fleet.node(i).alive()) {
      return;
    }
    try {
      checkCursor(i);
      checkDeleted(i);
    } catch (RuntimeException e) {
      violations.add("node-" + i + ": watch failed: " + e);
    }
  }

  private void checkCursor(int i) {
    JsonObject sync = fleet.sync(i);
    Long cursor = sync == null ? null : sync.getLong("cursor");
    if (cursor == null || paused.contains(i)) {
      return;
    }
    synchronized (maxCursor) {
      if (cursor < maxCursor[i]) {
        violations.add("node-" + i + ": cursor went back from " + maxCursor[i] + " to " + cursor);
      }
      maxCursor[i] = Math.max(maxCursor[i], cursor);
    }
  }

  private void checkDeleted(int i) {
    String id = deleted;
    if (id == null) {
      return;
    }
    Set<String> ids = fleet.routeIds(i);
    boolean served = fleet.serves(i, deletedPort, deletedSni);
    if (ids == null || paused.contains(i)) {
      return;
    }
    boolean gone = !ids.contains(id) && !served;
    if (droppedAt[i] == 0) {
      if (gone) {
        droppedAt[i] = System.nanoTime();
      }
      return;
    }
    if (!gone) {
      violations.add("node-" + i + ": deleted route " + id + " back (listed " + ids.contains(id) + ", served "
          + served + ")");
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
