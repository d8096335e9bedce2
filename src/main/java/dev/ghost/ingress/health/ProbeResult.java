package dev.ghost.ingress.health;

import java.util.Locale;

/** The outcome of one TCP probe; its label is the {@code result} label of the probe counter. */
public enum ProbeResult {
  /** The TCP handshake completed. */
  SUCCESS,
  /** The backend refused the connection (RST). */
  REFUSED,
  /** No answer within {@code health.timeout}. */
  TIMEOUT,
  /** Anything else: unreachable network, name resolution failure, ... */
  ERROR;

  /** The metric label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
