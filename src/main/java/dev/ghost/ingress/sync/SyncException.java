package dev.ghost.ingress.sync;

/**
 * A failed control-plane read, classified.
 *
 * @see SyncFailure
 */
public final class SyncException extends RuntimeException {

  private final SyncFailure failure;
  private final boolean retryable;
  private final String requestId;

  public SyncException(SyncFailure failure, String detail, boolean retryable, String requestId) {
    super(detail, null, false, false);
    this.failure = failure;
    this.retryable = retryable;
    this.requestId = requestId;
  }

  public SyncFailure failure() {
    return failure;
  }

  /** False when the control plane said retrying would not help (the node still retries, slowly). */
  public boolean retryable() {
    return retryable;
  }

  /** The X-Request-Id of the failed request, for correlating with the control plane's logs. */
  public String requestId() {
    return requestId;
  }
}
