package dev.ghost.ingress.sni;

/**
 * What the bytes received so far say about a TLS ClientHello. Produced by {@link ClientHelloParser}; the caller
 * decides what each outcome means for the connection.
 */
public sealed interface SniResult {

  /** The hello is incomplete and still within the size cap; read more. */
  record NeedMore(boolean tlsRecordStarted) implements SniResult {}

  /**
   * A complete ClientHello carried a valid server_name.
   *
   * @param hostName normalised: lower case, one trailing dot removed, LDH labels
   * @param echOuter the hello carries an encrypted_client_hello extension, so {@code hostName} is the outer
   *                 (public) name
   */
  record Found(String hostName, boolean echOuter) implements SniResult {}

  /** A complete ClientHello without a server_name extension. */
  record NoSni() implements SniResult {}

  /** The first bytes are not a TLS handshake record. */
  record NotTls() implements SniResult {}

  /** The hello does not fit in the sniff cap. */
  record TooLarge() implements SniResult {}

  /** A TLS handshake record whose content breaks RFC 8446/6066, including an invalid host name. */
  record Malformed(String reason) implements SniResult {}
}
