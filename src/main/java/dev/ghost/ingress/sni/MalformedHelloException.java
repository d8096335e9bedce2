package dev.ghost.ingress.sni;

/**
 * Thrown inside the parser when a complete handshake message breaks its own length rules; turned into
 * {@link SniResult.Malformed} at the package boundary and never seen by callers. No stack trace: a client can
 * trigger it at will, so it must stay cheap.
 */
final class MalformedHelloException extends RuntimeException {

  MalformedHelloException(String reason) {
    super(reason, null, false, false);
  }
}
