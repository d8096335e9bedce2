package dev.ghost.ingress.sync;
import dev.ghost.ingress.config.IpLiterals;

/**
 * An environment's dedicated IPv4 address as the {@code env.ipv4_addon_*} events say it is now (contract §1).
 *
 * @param envId          the environment
 * @param appId          its app, or null when the event did not say
 * @param ipv4           dotted-quad address
 * @param enabledEventId the {@code env.ipv4_addon_enabled} event that bound this address: the claim's seniority
 *                       when two environments claim one address (docs/behaviour.md, "Conflicts": the older claim)
 */
public record EnvBinding(String envId, String appId, String ipv4, long enabledEventId) {

  /** Checks the invariants; throws {@link IllegalArgumentException}. */
  public EnvBinding {
    if (envId == null || envId.isBlank()) {
      throw new IllegalArgumentException("missing env_id");
    }
    if (!IpLiterals.isIpv4(ipv4)) {
      throw new IllegalArgumentException("not an IPv4 address: " + ipv4);
    }
    if (enabledEventId < 1) {
      throw new IllegalArgumentException("enabling event id must be positive: " + enabledEventId);
    }
  }
}
