package dev.ghost.ingress.cluster;

import java.util.Locale;

/**
 * What a {@link TrustRefusal} was about: the {@code channel} label of {@code ghost_cluster_refusals_total}. Each
 * channel of a signed value is also a domain of the MAC (its canonical bytes start with it), so a value signed for one channel never
 * verifies on another.
 */
public enum TrustChannel {
  /** The leader's routing snapshot (the log's base) and the log's head record in the map {@code ghost.routing}. */
  SNAPSHOT,
  /** A change the leader published ({@code delta:<seq>} in the map {@code ghost.routing}). */
  DELTA,
  /** A node's convergence entry in the map {@code ghost.fleet}. */
  FLEET_ENTRY,
  /** A member's proof that it holds the secret, in the map {@code ghost.members}: without it, never leader. */
  MEMBER_ENTRY,
  /** An admin command (or the admin drain state) on the event bus. */
  ADMIN_COMMAND,
  /**
   * A connection to the event-bus port that failed its mutual-TLS handshake ({@link EventBusHandshakes}); nothing
   * is signed on it, so it is no MAC domain.
   */
  EVENT_BUS_TLS;

  /** The metric label, also the MAC domain. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
