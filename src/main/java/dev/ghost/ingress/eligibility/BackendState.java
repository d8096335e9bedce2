package dev.ghost.ingress.eligibility;

import java.util.Locale;

/**
 * Why a backend of the current table is or is not offered to new connections, as {@code /v1/routes} and explain
 * show it. When several reasons apply the first listed wins.
 */
public enum BackendState {
  /** Drained by an operator: never offered, not even in panic mode. */
  DRAINED,
  /** Its active TCP probes failed: offered only in panic mode. */
  PROBE_DOWN,
  /** Passively ejected after a failed connect: offered only in panic mode. */
  EJECTED,
  /** Offered. */
  ELIGIBLE;

  /** The lower-case name the admin API shows. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
