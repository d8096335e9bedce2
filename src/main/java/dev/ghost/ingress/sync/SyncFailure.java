package dev.ghost.ingress.sync;

import java.util.Locale;

/**
 * Why a control-plane read failed: one closed list, each value one label of {@code ghost_sync_errors_total} and
 * one log line. None is fatal: the node keeps serving its last good table and retries with backoff.
 */
public enum SyncFailure {
  /** Connection refused, reset or DNS failure. */
  UNREACHABLE,
  /** No answer within the request timeout. */
  TIMEOUT,
  /** 401 or 403: the token is missing, wrong or lacks access. */
  UNAUTHORIZED,
  /** 5xx, or a problem+json answer that says {@code retryable: true}. */
  SERVER_ERROR,
  /** Another 4xx: the request is wrong and retrying it as is will not help. */
  CLIENT_ERROR,
  /** A 200 whose body is not the JSON the contract describes, or a page with more items than the limit asked. */
  BAD_BODY,
  /** A response body over its cap (4 MiB for a page): the connection is closed before the rest is read. */
  BODY_TOO_LARGE,
  /** The event stream ended or broke. */
  STREAM_DROPPED,
  /** The event stream sent nothing for too long. */
  STREAM_SILENT,
  /** An NDJSON line over the 1 MiB cap. */
  LINE_TOO_LONG,
  /**
   * The feed ends below the node's cursor (a restored or replaced control plane, a foreign state file): the node
   * replays from event 0 rather than wait past events it would never read.
   */
  CURSOR_AHEAD,
  /**
   * Events that would make the control plane's routes more than {@code control_plane.max_routes}: the batch is
   * refused whole, the table in force stays, and the same events are read again (and refused) until the control
   * plane's route count is back under the cap.
   */
  TOO_MANY_ROUTES;

  /** The metric label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
