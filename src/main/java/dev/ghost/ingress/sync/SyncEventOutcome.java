package dev.ghost.ingress.sync;

import java.util.Locale;

/**
 * What became of a control-plane event read: one {@code outcome} label of {@code ghost_sync_events_total}.
 */
public enum SyncEventOutcome {
  /** Folded into the state. */
  APPLIED,
  /** A type or a change this version does not act on. */
  IGNORED,
  /** Malformed or inconsistent: counted and logged, never applied. */
  REJECTED;

  /** The metric label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
