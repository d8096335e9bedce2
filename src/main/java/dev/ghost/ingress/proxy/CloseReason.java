package dev.ghost.ingress.proxy;

/**
 * Why a client connection ended: one closed list. Each reason maps to exactly one close action, one access-log
 * {@code reason} value and one label of {@code ghost_connections_closed_total}.
 */
public enum CloseReason {
  /** Both sides sent FIN and every byte was relayed. */
  COMPLETED(CloseAction.FIN, true),
  /** The client reset or closed without a relayed FIN. */
  CLIENT_CLOSED(CloseAction.FIN, true),
  /** The backend reset or closed without a relayed FIN. */
  BACKEND_CLOSED(CloseAction.FIN, true),
  /** The client sent nothing, or an unroutable partial hello, within the sniff timeout. */
  SNIFF_TIMEOUT(CloseAction.RST, false),
  /** The ClientHello exceeded the sniff cap and no single route could take it. */
  HELLO_TOO_LARGE(CloseAction.RST, false),
  /** A TLS record that breaks the RFCs, including an invalid SNI host name. */
  MALFORMED_HELLO(CloseAction.FIN, false),
  /** Not TLS on a TLS listener, and no single route there allows non-TLS. */
  NOT_TLS(CloseAction.FIN, false),
  /** No SNI (or SNI unavailable) and not exactly one route on this address and port. */
  NO_SNI(CloseAction.FIN, false),
  /** No route for this SNI (or port) on this address. */
  NO_ROUTE(CloseAction.FIN, false),
  /** The SNI belongs to another tenant than the one owning this dedicated IPv4. */
  TENANT_MISMATCH(CloseAction.FIN, false),
  /** An IPv4 address no environment owns serves nothing. */
  UNOWNED_ADDRESS(CloseAction.FIN, false),
  /** The route has no backend to try. */
  NO_ELIGIBLE_BACKEND(CloseAction.RST, false),
  /** Every connect attempt failed or timed out. */
  CONNECT_FAILED(CloseAction.RST, false),
  /** Over the node-wide connection limit. */
  LIMIT_GLOBAL(CloseAction.RST, false),
  /** Over the route's connection limit. */
  LIMIT_ROUTE(CloseAction.RST, false),
  /** Over the per-client-IP connection limit. */
  LIMIT_CLIENT_IP(CloseAction.RST, false),
  /** No bytes either way for the route's idle timeout. */
  IDLE_TIMEOUT(CloseAction.RST, false),
  /** An I/O error on either socket. */
  IO_ERROR(CloseAction.RST, false),
  /**
   * Still open at a drain deadline: the route's {@code drain_timeout} after its backend left the eligible set, or the
   * node's {@code shutdown_timeout} after SIGTERM or an admin drain (docs/behaviour.md: both count as drain_deadline).
   */
  DRAIN_DEADLINE(CloseAction.FIN, false);

  private final CloseAction action;
  private final boolean normal;
  private final String label;

  CloseReason(CloseAction action, boolean normal) {
    this.action = action;
    this.normal = normal;
    this.label = name().toLowerCase(java.util.Locale.ROOT);
  }

  /** How the client socket is closed. */
  public CloseAction action() {
    return action;
  }

  /** True when the connection ended the way connections end, not by a failure. */
  public boolean normal() {
    return normal;
  }

  /** The metric label and access-log value. */
  public String label() {
    return label;
  }

  /** FIN: an orderly close. RST: abort, nothing more is sent. Neither ever writes a byte. */
  public enum CloseAction { FIN, RST }
}
