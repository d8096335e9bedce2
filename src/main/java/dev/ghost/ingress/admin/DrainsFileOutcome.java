package dev.ghost.ingress.admin;

import java.util.Locale;

/**
 * How the drains file read at start turned out: one {@code outcome} label of {@code ghost_drains_file_loads_total}.
 */
public enum DrainsFileOutcome {
  /** Read, and its drains restored. */
  OK,
  /** No file, or an empty one. */
  MISSING,
  /** Unreadable: ignored. */
  CORRUPT;

  /** The metric label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
