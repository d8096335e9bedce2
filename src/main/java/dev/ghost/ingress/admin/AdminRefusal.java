package dev.ghost.ingress.admin;

import java.util.Locale;

/**
 * Every way the admin HTTP server refuses a request or a connection: one closed list, each value one label of
 * {@code ghost_admin_refusals_total{reason}}, one log message and, when a response is still possible, one status
 * and JSON error code.
 */
public enum AdminRefusal {
  /** A {@code Host} header that names none of the admin address's names: a DNS-rebinding page. */
  FOREIGN_HOST(403, "forbidden", "the Host header is not a name of this admin address"),
  /** An {@code Origin} other than the admin address's own, or {@code Sec-Fetch-Site} cross-site or same-site. */
  CROSS_SITE(403, "forbidden", "cross-site requests are refused"),
  /** A mutating call whose body is not declared {@code application/json}. */
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type", "a mutating call's body must be application/json"),
  /** A body over {@link AdminLimits#MAX_BODY_BYTES}. */
  BODY_TOO_LARGE(413, "payload_too_large", "request body is over 64 KiB"),
  /** A request line or headers over the limits, or a request the HTTP codec could not parse. */
  MALFORMED_REQUEST(400, "bad_request", "malformed or oversized request line or headers"),
  /** A mutating call without the right bearer token, when a token is set. */
  UNAUTHORIZED(401, "unauthorized", "missing or wrong bearer token"),
  /** A mutating call from a non-loopback client, when no token is set. */
  NOT_LOOPBACK(403, "forbidden", "no admin token is set: mutating calls are accepted from loopback only"),
  /** A connection over {@link AdminLimits#MAX_CONNECTIONS}: closed at once, nothing answered. */
  CONNECTION_LIMIT(0, null, "admin connection limit reached; connection closed"),
  /** A request head or a whole request slower than its deadline: the connection is closed, nothing answered. */
  REQUEST_TIMEOUT(0, null, "admin request too slow; connection closed");

  private final int status;
  private final String code;
  private final String detail;

  AdminRefusal(int status, String code, String detail) {
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  /** The HTTP status answered; 0 when the connection is closed without an answer. */
  public int status() {
    return status;
  }

  /** The {@code error} of the JSON answer; null when nothing is answered. */
  public String code() {
    return code;
  }

  /** The {@code detail} of the JSON answer, also the log message. */
  public String detail() {
    return detail;
  }

  /** The metric label and the log line's {@code reason}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
