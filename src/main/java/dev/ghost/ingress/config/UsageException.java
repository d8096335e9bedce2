package dev.ghost.ingress.config;

/** A bad command line. The message is one line; the CLI prints it and exits with code 2 (no usage dump). */
public final class UsageException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
