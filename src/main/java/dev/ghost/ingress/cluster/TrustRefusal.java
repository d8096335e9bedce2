package dev.ghost.ingress.cluster;

import java.util.Locale;

/**
 * Every reason a clustered node refuses a cluster map entry, an event-bus admin command or an event-bus
 * connection: one closed list, each value one {@code reason} label of {@code ghost_cluster_refusals_total} and one
 * log line. All but {@link #HANDSHAKE_TIMEOUT} and {@link #HANDSHAKE_CLOSED} are evidence of a peer without the
 * secret ({@link #evidence()}).
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
  /** Any other failed event-bus handshake: not TLS at all, or a protocol error. */
  HANDSHAKE_FAILED("event-bus TLS handshake failed: not TLS, or a protocol error"),
  /**
   * An event-bus handshake this node gave up on after the bus's handshake timeout: a peer too slow to finish it (a
   * genuine member under load or in a long pause) or one that stalls. It proves nothing about the peer, so it is
   * no evidence of a stranger: logged as a timeout, and its own label lets alerts on refusals leave it out.
   */
  HANDSHAKE_TIMEOUT("event-bus TLS handshake timed out: a slow peer (a member under load or paused) or a stalled one",
      false),
  /**
   * The peer closed the connection before the handshake ended, having proved nothing wrong: a member that gave up
   * first (its own handshake timeout when this node is the slow one), one that died meanwhile, or a port scan. No
   * evidence of a stranger either, for the same reason as {@link #HANDSHAKE_TIMEOUT}.
   */
  HANDSHAKE_CLOSED("event-bus TLS peer closed before the handshake ended: a member that gave up or died, or a scan",
      false),
  /** Larger than any value of its kind this version writes (read no further). */
  OVERSIZED("larger than any value of its kind");

  private final String detail;
  private final boolean evidence;

  TrustRefusal(String detail) {
    this(detail, true);
  }

  TrustRefusal(String detail, boolean evidence) {
    this.detail = detail;
    this.evidence = evidence;
  }

  /** What the log line says. */
  public String detail() {
    return detail;
  }

  /**
   * True when the peer showed it lacks the secret (a proof missing, wrong or not even attempted); false when it
   * merely did not finish in time, which a genuine member under load does too.
   */
  public boolean evidence() {
    return evidence;
  }

  /** The metric label and the log line's {@code reason}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
