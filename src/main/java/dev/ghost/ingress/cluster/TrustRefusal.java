package dev.ghost.ingress.cluster;

import java.util.Locale;

/**
 * Every reason a clustered node refuses a cluster map entry, an event-bus admin command or an event-bus
 * connection: one closed list, each value one {@code reason} label of {@code ghost_cluster_refusals_total} and one
 * log message.
 */
public enum TrustRefusal {
  /** No MAC at all: written or sent by a node without a secret (an insecure node, or a stranger's). */
  UNSIGNED("carries no MAC: the sender has no cluster secret"),
  /** A MAC that does not verify: another secret, or bytes changed after signing. */
  BAD_MAC("MAC does not verify: another secret, or altered"),
  /** Not the envelope this version writes (not JSON, fields missing or of the wrong type). */
  MALFORMED("not a signed envelope of this version"),
  /** A validly signed membership proof that names another member (copied from the member it belongs to). */
  MISMATCH("signed for another member"),
  /** An event-bus TLS client that presented no certificate: not a member of this fleet. */
  NO_CERTIFICATE("event-bus TLS peer presented no client certificate"),
  /** An event-bus TLS peer whose certificate no holder of the secret signed: another secret, or a stranger's CA. */
  UNTRUSTED_CERTIFICATE("event-bus TLS peer certificate not signed under the cluster secret"),
  /** Any other failed event-bus handshake: not TLS at all, a protocol error, closed or timed out before the end. */
  HANDSHAKE_FAILED("event-bus TLS handshake failed: not TLS, refused, closed or timed out"),
  /** Larger than any value of its kind this version writes (read no further). */
  OVERSIZED("larger than any value of its kind");

  private final String detail;

  TrustRefusal(String detail) {
    this.detail = detail;
  }

  /** What the log line says. */
  public String detail() {
    return detail;
  }

  /** The metric label and the log line's {@code reason}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
