package dev.ghost.ingress.observe;

/**
 * Every event-bus address this node uses, in one list. On a clustered node the event bus is the cluster's (so a
 * published message reaches every member); standalone it is the node's own. Messages are JSON objects.
 */
public final class BusAddresses {

  private BusAddresses() {}

  /**
   * Published by every node's {@code HealthVerticle}: its health view (passive ejection and active probe
   * verdict), on every status change ({@code "reason":"change"}, with the changed backends in {@code "changed"}), on a
   * route-table change ({@code "table"}) and every 2 s
   * ({@code "reason":"periodic"}). Body: {@code {"node_id", "member", "at", "reason", "backends": [{"backend",
   * "ejected", "consecutive_failures", "probe"}], "changed": [{"backend", "ejected", "probe"}]}} plus either
   * {@code "digest"} (a full view: {@code backends} lists every backend) or {@code "healthy": {"digest", "count"}} (a
   * compact view: {@code backends} lists only the unhealthy ones, every other backend of the set with that digest is
   * eligible and probed up); {@code probe} is
   * {@code up}, {@code down} or {@code unknown} (not probed yet, or probing off); {@code at} is the sender's wall clock
   * in epoch milliseconds, {@code member} its cluster node id (null standalone). Each message replaces the sender's
   * previous view, so a lost one heals with the next and duplicates are harmless.
   */
  public static final String HEALTH_VIEW = "ghost.health.view";

  /** Prefix of every admin command address. */
  public static final String ADMIN_PREFIX = "ghost.admin.";

  /**
   * Published by every node that holds admin drain state, at once on a change and every 2 s: {@code {"node_id",
   * "entries": [{"backend", "drained", "stamp", "origin"}]}}, the full per-backend last-writer-wins state (an undrain
   * is an entry with {@code "drained": false}). Receivers merge entry by entry (newer {@code stamp} wins, then the
   * greater {@code origin}), so duplicates and reordering are harmless and a node that missed a change converges.
   */
  public static final String ADMIN_DRAINS = ADMIN_PREFIX + "all.drains";

  /**
   * Request/reply address of one admin command on one node: {@code ghost.admin.<node_id>.<command>} with a JSON
   * object body; the reply is the answer as JSON, a refused command fails with the HTTP status as failure code and
   * {@code {"error","detail"}} as message. Commands: {@code status}, {@code routes}, {@code explain}
   * ({@code {"sni","address","port"}}), {@code drain-backend} / {@code undrain-backend} ({@code {"backend"}}),
   * {@code log-level} ({@code {"level"}}), {@code drain-node} ({@code {}}: the node's graceful drain, then it exits;
   * per node only, {@code ghost.admin.all.drain-node} is refused), {@code draining} ({@code {}}: the fleet-wide
   * open connections per draining backend, as {@code /v1/fleet} shows them), {@code fleet} / {@code fleet-health}
   * ({@code {}}: the bodies of {@code /v1/fleet} / {@code /v1/fleet/health}), {@code reload-config} ({@code {}}:
   * re-read the config file now; reply {@code {"node_id", "applied", "changed", "restart_required"}}, failure 422
   * {@code invalid_config} naming file, key and reason, or 409 {@code no_config_file} on the embedded default).
   */
  public static String adminNode(String nodeId, String command) {
    return ADMIN_PREFIX + nodeId + "." + command;
  }

  /** {@code ghost.admin.<node_id>}: any command of that node as {@code {"command": name, ...body fields}}. */
  public static String adminNode(String nodeId) {
    return ADMIN_PREFIX + nodeId;
  }

  /**
   * {@code ghost.admin.all.<command>}: a mutating command ({@code drain-backend}, {@code undrain-backend},
   * {@code log-level}, {@code reload-config}) published to every node; no reply.
   */
  public static String adminAll(String command) {
    return ADMIN_PREFIX + "all." + command;
  }

  /**
   * Published by every node's {@code DrainViewVerticle}: its open connections per draining backend, at most 100 ms
   * after a change and every 2 s. Body: {@code {"node_id", "member", "at", "backends": {"host:port": n}}};
   * admin-drained backends are listed with 0 when none of their connections is open here, {@code member} is the cluster node id
   * (null standalone). Each message replaces the sender's previous one, so duplicates and a lost message are
   * harmless; every node aggregates them into the {@code "draining"} object of {@code /v1/fleet}.
   */
  public static final String DRAIN_VIEW = "ghost.drain.view";
}
