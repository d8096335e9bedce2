package dev.ghost.ingress.cluster;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A UTF-8 text held as the bytes {@code bytes[0..length)}: how a base snapshot travels between its encoder, its
 * seal and the cluster map (tens of MB at 100 000 routes), so that no step makes a {@code String} or a trimmed
 * copy of it that the next step would only turn back into bytes.
 *
 * @param bytes  the buffer; only the first {@code length} bytes are the text (the rest is spare capacity)
 * @param length the text's length in bytes
 */
public record Utf8Text(byte[] bytes, int length) {

  /** The text of {@code s}. */
  public static Utf8Text of(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return new Utf8Text(b, b.length);
  }

  /** The text as a {@code String} (a copy: for small values, tests and fallbacks). */
  public String text() {
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  /** An output stream whose bytes become a {@link Utf8Text} without the copy {@code toByteArray} makes. */
  static final class Sink extends ByteArrayOutputStream {
    Sink(int capacity) {
      super(capacity);
    }

    /** What was written so far, sharing this stream's buffer: write nothing more once it is taken. */
    Utf8Text taken() {
      return new Utf8Text(buf, count);
    }
  }
}
