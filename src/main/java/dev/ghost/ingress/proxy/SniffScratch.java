package dev.ghost.ingress.proxy;

/**
 * The array a listener instance parses first reads in. A ClientHello that arrives whole in its first read (the usual
 * client) is copied here for the parser and never into an array of its own, so sniffing it allocates nothing per
 * connection; the parser's verdict keeps no reference to the array. Confined to the instance's event loop, which
 * parses one read at a time.
 */
final class SniffScratch {

  private byte[] bytes = new byte[0];

  /** An array of at least {@code size} bytes, contents undefined, valid until the next call on this loop. */
  byte[] atLeast(int size) {
    if (bytes.length < size) {
      bytes = new byte[size];
    }
    return bytes;
  }
}
