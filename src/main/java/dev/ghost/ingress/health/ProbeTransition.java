package dev.ghost.ingress.health;

import java.util.Locale;

/**
 * Which way a backend's active probe verdict turned: one {@code to} label of {@code ghost_health_transitions_total}.
 */
public enum ProbeTransition {
  /** Probes failed fall times in a row. */
  DOWN,
  /** Probes succeeded rise times in a row. */
  UP;

  /** The metric label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
