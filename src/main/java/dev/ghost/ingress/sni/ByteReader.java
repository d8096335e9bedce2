package dev.ghost.ingress.sni;

import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked cursor over {@code buf[pos..end)} for TLS presentation-language structs (RFC 8446 §3):
 * big-endian integers and length-prefixed vectors. Every read that would cross {@code end} throws
 * {@link MalformedHelloException}: the reader is only used on a complete message, so running short means a length
 * field lied, not that more bytes are on the way.
 */
final class ByteReader {

  /** No number after a field's name. */
  private static final int UNNUMBERED = -1;

  private final byte[] buf;
  private final int end;
  private int pos;

  ByteReader(byte[] buf, int offset, int length) {
    this.buf = buf;
    this.pos = offset;
    this.end = offset + length;
  }

  int remaining() {
    return end - pos;
  }

  boolean hasRemaining() {
    return pos < end;
  }

  int u8(String field) {
    require(1, field);
    return buf[pos++] & 0xff;
  }

  int u16(String field) {
    require(2, field);
    int v = (buf[pos] & 0xff) << 8 | (buf[pos + 1] & 0xff);
    pos += 2;
    return v;
  }

  void skip(int n, String field) {
    require(n, field);
    pos += n;
  }

  /** Reads {@code opaque field<0..2^8-1>}: a one-byte length, then that many bytes as a sub-reader. */
  ByteReader vector8(String field) {
    if (1 > remaining()) {
      throw malformed(field, UNNUMBERED, " length truncated");
    }
    return slice(buf[pos++] & 0xff, field, UNNUMBERED);
  }

  /** Reads {@code opaque field<0..2^16-1>}: a two-byte length, then that many bytes as a sub-reader. */
  ByteReader vector16(String field) {
    return vector16(field, UNNUMBERED);
  }

  /**
   * {@link #vector16(String)} for one of several fields told apart by a number ("extension 13"). Every ClientHello
   * reads a dozen or more of them, so the name is only put together for an error message.
   */
  ByteReader vector16(String field, int number) {
    if (2 > remaining()) {
      throw malformed(field, number, " length truncated");
    }
    int n = (buf[pos] & 0xff) << 8 | (buf[pos + 1] & 0xff);
    pos += 2;
    return slice(n, field, number);
  }

  /** The remaining bytes as ISO-8859-1 text, so that each byte maps to exactly one char (non-ASCII stays visible). */
  String latin1() {
    String s = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
    pos = end;
    return s;
  }

  private ByteReader slice(int n, String field, int number) {
    if (n > remaining()) {
      throw malformed(field, number, " overruns its enclosing block");
    }
    ByteReader sub = new ByteReader(buf, pos, n);
    pos += n;
    return sub;
  }

  private static MalformedHelloException malformed(String field, int number, String problem) {
    return new MalformedHelloException((number == UNNUMBERED ? field : field + " " + number) + problem);
  }

  private void require(int n, String field) {
    if (n > remaining()) {
      throw new MalformedHelloException(field + " truncated");
    }
  }
}
