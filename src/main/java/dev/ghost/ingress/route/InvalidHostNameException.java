package dev.ghost.ingress.route;

/** A route host name that cannot be normalised to a valid DNS name; the route is rejected, never applied. */
public final class InvalidHostNameException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String reason;

  /** @param reason why the name was refused, fit for a log line and the admin view */
  public InvalidHostNameException(String reason) {
    super(reason);
    this.reason = reason;
  }

  /** Why the name was refused. */
  public String reason() {
    return reason;
  }
}
