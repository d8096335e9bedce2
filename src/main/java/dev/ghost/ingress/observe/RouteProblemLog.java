package dev.ghost.ingress.observe;

import dev.ghost.ingress.route.Conflict;
import dev.ghost.ingress.route.Rejection;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every route conflict and rejected route once, whether it comes from the static configuration or from the
 * control plane: when a served table first has it, not again while later tables (every control-plane change
 * rebuilds one) still have it, and again only if it went away and came back. What it remembers is the current
 * table's problems, so it is bounded by the table and forgets a problem as soon as a table no longer has it.
 */
public final class RouteProblemLog {

  private static final Logger LOG = LoggerFactory.getLogger(RouteProblemLog.class);

  /** The current table's conflicts and rejections (records: equal when every field is). */
  private Set<Object> logged = Set.of();

  private RouteProblemLog() {}

  /** Logs the problems of the table in force, then those each swapped-in table adds. */
  public static RouteProblemLog attach(RouteTableRef tables) {
    RouteProblemLog log = new RouteProblemLog();
    // Subscribed first: a swap racing the first read is then seen, and a table seen twice logs nothing new
    tables.onSwap(log::onTable);
    log.onTable(tables.current());
    return log;
  }

  /** Logs what {@code table} has that the table before it did not; swaps are serialised, this is cheap anyway. */
  synchronized void onTable(RouteTable table) {
    Set<Object> now = new HashSet<>();
    for (Rejection r : table.rejections()) {
      if (now.add(r) && !logged.contains(r)) {
        LOG.atWarn().addKeyValue("route_id", r.routeId()).addKeyValue("reason", r.reason()).log("route rejected");
      }
    }
    for (Conflict c : table.conflicts()) {
      if (now.add(c) && !logged.contains(c)) {
        logConflict(c);
      }
    }
    logged = now;
  }

  private static void logConflict(Conflict c) {
    String reason = c.host() == null || c.host().isEmpty() ? "an older route holds this port"
        : "an older route holds this host name on this port";
    LOG.atWarn().addKeyValue("route_id", c.loserId()).addKeyValue("reason", reason)
        .addKeyValue("winner", c.winnerId()).addKeyValue("loser", c.loserId()).addKeyValue("port", c.port())
        .addKeyValue("host", c.host()).addKeyValue("scope", c.scope().toString()).log("route conflict");
  }
}
