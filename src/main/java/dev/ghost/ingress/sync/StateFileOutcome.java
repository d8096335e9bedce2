package dev.ghost.ingress.sync;

import java.util.Locale;

/**
 * How the state file read at start turned out: one closed list, each value one {@code outcome} label of
 * {@code ghost_state_file_loads_total} and the {@code state_file.loaded} field of {@code /v1/status}.
 */
public enum StateFileOutcome {
  /** Read, and its state served until the control plane answers. */
  OK,
  /** No file (a first start): the node replays the feed from event 0. */
  MISSING,
  /** Unreadable or malformed: ignored, the node replays from event 0. */
  CORRUPT,
  /** Another format version: ignored, the node replays from event 0. */
  FOREIGN_VERSION,
  /** More routes than {@code control_plane.max_routes}: ignored like a corrupt file, and counted as a sync error. */
  TOO_MANY_ROUTES;

  /** The metric label and the status field's value. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
