package dev.ghost.ingress.route;

import dev.ghost.ingress.config.IngressConfig;
import java.util.Set;

/**
 * Which ports tcp_raw routes may claim: never a denied port, and only an allowed one when an allow set is given.
 * tls_passthrough routes are not subject to it.
 *
 * @param deny  ports no tcp_raw route may use
 * @param allow when non-empty, the only ports tcp_raw routes may use
 */
public record PortPolicy(Set<Integer> deny, Set<Integer> allow) {

  /** The default denylist (telnet, SMTP, NetBIOS) and no allowlist. */
  public static final PortPolicy DEFAULT = new PortPolicy(Set.of(23, 25, 137, 138, 139), Set.of());

  /** Copies both sets; null means empty. */
  public PortPolicy {
    deny = deny == null ? Set.of() : Set.copyOf(deny);
    allow = allow == null ? Set.of() : Set.copyOf(allow);
  }

  /** The policy configured in {@code limits}. */
  public static PortPolicy from(IngressConfig.Limits limits) {
    return new PortPolicy(limits.tcpRawDenyPorts(), limits.tcpRawAllowPorts());
  }

  /** Why a tcp_raw route may not use this port, or null when it may. */
  public String denialReason(int port) {
    if (deny.contains(port)) {
      return "tcp_raw port " + port + " is on the operator denylist";
    }
    if (!allow.isEmpty() && !allow.contains(port)) {
      return "tcp_raw port " + port + " is not on the operator allowlist";
    }
    return null;
  }
}
