package dev.ghost.ingress.observe;

/**
 * Every event-bus address this node uses, in one list. On a clustered node the event bus is the cluster's (so a
 * published message reaches every member); standalone it is the node's own. Messages are JSON objects.
 */
public final class BusAddresses {

  private BusAddresses() {}

  /**
   * Published by every node's {@code HealthVerticle}: its full passive-health view, on every status change
   * ({@code "reason":"change"}, with the changed backends in {@code "changed"}), on a route-table change
   * ({@code "table"}) and every 2 s
   * ({@code "reason":"periodic"}). Body: {@code {"node_id", "member", "at", "reason", "backends": [{"backend",
   * "ejected", "consecutive_failures"}], "changed": [{"backend", "ejected"}]}}; {@code at} is the sender's wall clock
   * in epoch milliseconds, {@code member} its cluster node id (null standalone). Each message replaces the sender's
   * previous view, so a lost one heals with the next and duplicates are harmless.
   */
  public static final String HEALTH_VIEW = "ghost.health.view";
}
