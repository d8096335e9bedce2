package dev.ghost.ingress.devcp;

/** A state file that cannot be read or is invalid; the message is one line naming the entry and the reason. */
public final class DevStateException extends Exception {

  public DevStateException(String message) {
    super(message);
  }
}
