package dev.ghost.ingress.sync;

import java.util.Locale;

/**
 * Why a ready instance got no connections: one {@code reason} label of {@code ghost_sync_instances_dropped_total}.
 */
public enum InstanceDropReason {
  /** It has no overlay address. */
  MISSING_ADDRESS,
  /** Its overlay address is not an IPv6 (or IPv4-mapped) address. */
  BAD_ADDRESS;

  /** The metric label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
