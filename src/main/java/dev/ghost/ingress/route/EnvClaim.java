package dev.ghost.ingress.route;

import java.util.Comparator;

/**
 * One environment's dedicated IPv4 claim; older claims keep the address.
 *
 * @param id    the environment id
 * @param ipv4  the claimed address as written, or null for none
 * @param origin static configuration or control plane
 * @param rank  seniority within the origin: file index, or the enabling event id
 */
record EnvClaim(String id, String ipv4, Origin origin, long rank) {

  /** Older first: static before control plane, then lower rank, then id. */
  static final Comparator<EnvClaim> SENIORITY = Comparator.comparing(EnvClaim::origin)
      .thenComparingLong(EnvClaim::rank)
      .thenComparing(EnvClaim::id);

  /** The older of two claims for one environment id. */
  static EnvClaim older(EnvClaim a, EnvClaim b) {
    return SENIORITY.compare(a, b) <= 0 ? a : b;
  }
}
