package dev.ghost.ingress.route;

/**
 * Where a route or an environment's IPv4 claim came from. The declaration order is the seniority order: static
 * configuration is older than anything the control plane says.
 */
public enum Origin {
  /** The node's configuration file; rank is the file order index. */
  STATIC,
  /** The control plane's event feed; rank is the {@code route.created} (or IPv4 add-on) event id. */
  CONTROL_PLANE
}
