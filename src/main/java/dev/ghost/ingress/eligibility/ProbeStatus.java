package dev.ghost.ingress.eligibility;

import java.util.Locale;

/** A backend's active TCP probe verdict on this node. Only {@link #DOWN} keeps it from new connections. */
public enum ProbeStatus {
  /** Not probed yet, or probing is off: eligible (a new backend starts optimistic). */
  UNKNOWN,
  /** Its last probes passed. */
  UP,
  /** {@code health.fall} consecutive probes failed, and fewer than {@code health.rise} passed since. */
  DOWN;

  /** The lower-case name the event bus and admin API show. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
