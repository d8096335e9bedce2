package dev.ghost.ingress.observe;

import java.util.Locale;

/**
 * The part of a node's life an event-loop stall is counted in: the {@code phase} label of
 * {@link MetricNames#EVENT_LOOP_STALLS}. Start-up stalls (classes loaded and compiled for the first time, the first
 * table built) are expected and end; a stall while serving delays connections and should not happen. Counting
 * them apart lets an alert watch only the second kind (docs/operations.md, Observability).
 */
public enum StallPhase {
  /** From JVM start until the node is first ready ({@code /readyz} 200). */
  START,
  /** From the node's first ready on, draining included. */
  SERVING;

  /** The label value: {@code start}, {@code serving}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
