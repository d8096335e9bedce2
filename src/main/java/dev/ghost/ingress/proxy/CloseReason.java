package dev.ghost.ingress.proxy;

/**
 * Why a client connection ended: one closed list. Each reason maps to exactly one close action, one access-log
 * {@code reason} value and one label of {@code ghost_connections_closed_total}.
 */
public enum CloseReason {
  /** Both sides sent FIN and every byte was relayed. */
  COMPLETED(CloseAction.FIN),
  /** The client reset or closed without a relayed FIN. */
  CLIENT_CLOSED(CloseAction.FIN),
  /** The backend reset or closed without a relayed FIN. */
  BACKEND_CLOSED(CloseAction.FIN),
  /** The client sent nothing, or an unroutable partial hello, within the sniff timeout. */
  SNIFF_TIMEOUT(CloseAction.RST),
  /** The ClientHello exceeded the sniff cap and no single route could take it. */
  HELLO_TOO_LARGE(CloseAction.RST),
  /** A TLS record that breaks the RFCs, including an invalid SNI host name. */
  MALFORMED_HELLO(CloseAction.FIN),
  /** Not TLS on a TLS listener, and no single route there allows non-TLS. */
  NOT_TLS(CloseAction.FIN),
  /** No SNI (or SNI unavailable) and not exactly one route on this address and port. */
  NO_SNI(CloseAction.FIN),
  /** No route for this SNI (or port) on this address. */
  NO_ROUTE(CloseAction.FIN),
  /** The SNI belongs to another tenant than the one owning this dedicated IPv4. */
  TENANT_MISMATCH(CloseAction.FIN),
  /** An IPv4 address no environment owns serves nothing. */
  UNOWNED_ADDRESS(CloseAction.FIN),
  /** The route has no backend to try. */
  NO_ELIGIBLE_BACKEND(CloseAction.RST),
  /** Every connect attempt failed or timed out. */
  CONNECT_FAILED(CloseAction.RST),
  /** Over the node-wide connection limit. */
  LIMIT_GLOBAL(CloseAction.RST),
  /** Over the route's connection limit. */
  LIMIT_ROUTE(CloseAction.RST),
  /** Over the per-client-IP connection limit. */
  LIMIT_CLIENT_IP(CloseAction.RST),
  /** No bytes either way for the route's idle timeout. */
  IDLE_TIMEOUT(CloseAction.RST),
  /** An I/O error on either socket. */
  IO_ERROR(CloseAction.RST),
  /**
   * Still open at a drain deadline: the route's {@code drain_timeout} after its backend left the eligible set, or the
   * node's {@code shutdown_timeout} after SIGTERM or an admin drain (docs/behaviour.md: both count as drain_deadline).
   */
  DRAIN_DEADLINE(CloseAction.FIN);

  private final CloseAction action;
  private final String label;

  CloseReason(CloseAction action) {
    this.action = action;
    this.label = name().toLowerCase(java.util.Locale.ROOT);
  }

  /** How the client socket is closed. */
  public CloseAction action() {
    return action;
  }

  /** The metric label and access-log value. */
  public String label() {
    return label;
  }

  /** FIN: an orderly close. RST: abort, nothing more is sent. Neither ever writes a byte. */
  public enum CloseAction { FIN, RST }
}
