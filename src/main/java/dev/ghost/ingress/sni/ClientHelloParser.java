package dev.ghost.ingress.sni;

import java.util.Objects;

/**
 * Finds the server name in the first bytes of a TLS connection: walks the record layer, reassembles the first
 * handshake message across records (RFC 8446 §5.1), and parses it as a ClientHello. Pure: no I/O, no state between
 * calls.
 *
 * <p>The caller accumulates everything the client sent and calls {@link #parse} again after each read, with the
 * same maxBytes. Results are monotone: once a call returns anything but {@link SniResult.NeedMore}, every call with
 * more bytes returns the same result, because each verdict depends only on the bytes consumed up to the point
 * where it is reached.
 *
 * <pre>
 * TLSPlaintext (RFC 8446 §5.1)                 Handshake (RFC 8446 §4)
 * +------+---------+---------+-----------+    +------+------------+------------------+
 * | type | version | length  | fragment  |    | type |   length   |   ClientHello    |
 * |  22  | 0x03 xx | 2 bytes | length B  |    |  1   |  3 bytes   |   length bytes   |
 * +------+---------+---------+-----------+    +------+------------+------------------+
 *  1 B    2 B       1..2^14                   the handshake message may span several records of type 22
 * </pre>
 */
public final class ClientHelloParser {

  static final int CONTENT_TYPE_HANDSHAKE = 22;
  static final int RECORD_HEADER_LENGTH = 5;
  /** RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14. */
  static final int MAX_RECORD_FRAGMENT = 1 << 14;
  static final int HANDSHAKE_HEADER_LENGTH = 4;
  static final int HANDSHAKE_CLIENT_HELLO = 1;

  private static final SniResult NEED_MORE_NOTHING = new SniResult.NeedMore(false);
  private static final SniResult NEED_MORE_STARTED = new SniResult.NeedMore(true);
  private static final SniResult NOT_TLS = new SniResult.NotTls();
  private static final SniResult TOO_LARGE = new SniResult.TooLarge();

  private ClientHelloParser() {
  }

  /**
   * Parses what the client has sent so far.
   *
   * @param data     the accumulated bytes; only {@code data[0..length)} is read
   * @param length   how many bytes the client has sent so far
   * @param maxBytes the sniff cap: the whole ClientHello, record headers included, must fit in this many bytes
   * @return {@code NeedMore(false)} for no bytes, {@code NeedMore(true)} for an incomplete hello within the cap,
   *     otherwise the final outcome
   */
  public static SniResult parse(byte[] data, int length, int maxBytes) {
    Objects.checkFromIndexSize(0, length, data.length);
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    if (length == 0) {
      return NEED_MORE_NOTHING;
    }
    // Bytes past the cap are never looked at, so the result for any length >= maxBytes is the same.
    SniResult result = new RecordWalk(data, Math.min(length, maxBytes), maxBytes).run();
    if (result instanceof SniResult.NeedMore) {
      // The hello is incomplete; if the cap is already reached it can never complete.
      return length >= maxBytes ? TOO_LARGE : NEED_MORE_STARTED;
    }
    return result;
  }

  /**
   * One pass over the records in {@code data[0..limit)}. The handshake bytes are read where they are while they come
   * from one record (the usual hello: no copy, nothing allocated per connection); from a second record on they are
   * joined in a copy.
   */
  private static final class RecordWalk {

    private final byte[] data;
    private final int limit;
    private final int maxBytes;

    // Reassembly state
    /**
     * Handshake bytes received so far, {@code handshake[handshakeOffset..+handshakeLength)}: {@code data} itself while
     * they are one record's fragment, else a copy concatenated across records; null before the first fragment.
     */
    private byte[] handshake;
    private int handshakeOffset;
    private int handshakeLength;
    /** Handshake bytes announced by the record headers seen so far (received or not). */
    private int announced;
    /** Stream offset just past the fragment of the last record whose header was seen. */
    private int recordEnd;

    RecordWalk(byte[] data, int limit, int maxBytes) {
      this.data = data;
      this.limit = limit;
      this.maxBytes = maxBytes;
    }

    /** A final result, or {@link #NEED_MORE_STARTED} when the bytes run out first. */
    SniResult run() {
      int pos = 0;
      while (true) {
        SniResult header = checkRecordHeader(pos);
        if (header != null) {
          return header;
        }
        int fragmentStart = pos + RECORD_HEADER_LENGTH;
        int fragmentLength = u16(data, pos + 3);
        recordEnd = fragmentStart + fragmentLength;
        announced += fragmentLength;
        append(fragmentStart, Math.min(recordEnd, limit));
        SniResult verdict = checkHandshake();
        if (verdict != null) {
          return verdict;
        }
        if (recordEnd >= limit) {
          return NEED_MORE_STARTED; // the fragment, or the next record header, has not arrived yet
        }
        pos = recordEnd;
      }
    }

    /** Checks the record header at {@code pos} as far as it has arrived; null when it is complete and valid. */
    private SniResult checkRecordHeader(int pos) {
      boolean first = pos == 0;
      if (pos >= limit) {
        return NEED_MORE_STARTED; // the next record has not started yet
      }
      int type = data[pos] & 0xff;
      if (type != CONTENT_TYPE_HANDSHAKE) {
        // First record: not a TLS client at all. Later: an alert, change_cipher_spec or application_data record
        // interleaved before the hello was complete (RFC 8446 §5.1 forbids interleaving within a handshake message).
        return first ? NOT_TLS : malformed("record of content type " + type + " before the ClientHello was complete");
      }
      if (pos + 1 >= limit) {
        return NEED_MORE_STARTED; // the version byte has not arrived: cannot tell TLS from not-TLS yet
      }
      if (data[pos + 1] != 3) {
        // Every TLS/SSLv3 record version is 0x03xx. A first byte 22 with another major version is some other
        // protocol; in a later record it is a broken TLS stream.
        return first ? NOT_TLS : malformed("record version major is not 3");
      }
      if (pos + RECORD_HEADER_LENGTH > limit) {
        return NEED_MORE_STARTED; // the length field is incomplete
      }
      int fragmentLength = u16(data, pos + 3);
      if (fragmentLength == 0) {
        // RFC 8446 §5.1: implementations MUST NOT send zero-length fragments of Handshake type.
        return malformed("zero-length handshake record");
      }
      if (fragmentLength > MAX_RECORD_FRAGMENT) {
        // RFC 8446 §5.1: the plaintext record length MUST NOT exceed 2^14.
        return malformed("record length " + fragmentLength + " exceeds 2^14");
      }
      return null;
    }

    /** Checks the reassembled handshake bytes; null when the hello is valid so far but incomplete. */
    private SniResult checkHandshake() {
      if (handshakeLength < 1) {
        return null; // no handshake byte yet (a record header alone)
      }
      int type = handshake[handshakeOffset] & 0xff;
      if (type != HANDSHAKE_CLIENT_HELLO) {
        // RFC 8446 §4.1.2: the client's first handshake message is a ClientHello.
        return malformed("first handshake message has type " + type + ", not ClientHello");
      }
      if (handshakeLength < HANDSHAKE_HEADER_LENGTH) {
        return null; // the 24-bit message length is incomplete, so its size is unknown
      }
      int messageLength = HANDSHAKE_HEADER_LENGTH + u24(handshake, handshakeOffset + 1);
      if (bytesNeeded(messageLength) > maxBytes) {
        // Known early from the handshake length: no need to wait for the cap to fill up.
        return TOO_LARGE;
      }
      if (handshakeLength < messageLength) {
        return null; // fits the cap but not all here yet
      }
      // Bytes after the hello in the same record (there should be none) do not matter for routing.
      return HelloMessageParser.parse(handshake, handshakeOffset + HANDSHAKE_HEADER_LENGTH,
          messageLength - HANDSHAKE_HEADER_LENGTH);
    }

    /**
     * Stream bytes needed, headers included, to hold {@code messageLength} handshake bytes: exact when the records
     * seen so far announce enough, otherwise a lower bound assuming the rest comes in full 2^14-byte records.
     */
    private long bytesNeeded(int messageLength) {
      if (messageLength <= announced) {
        return (long) recordEnd - (announced - messageLength);
      }
      long missing = messageLength - announced;
      long moreRecords = (missing + MAX_RECORD_FRAGMENT - 1) / MAX_RECORD_FRAGMENT;
      return recordEnd + moreRecords * RECORD_HEADER_LENGTH + missing;
    }

    private void append(int from, int to) {
      if (handshake == null) {
        handshake = data;
        handshakeOffset = from;
      } else {
        if (handshake == data) {
          // a second record: its fragment is not adjacent to the first one's in data
          byte[] joined = new byte[limit];
          System.arraycopy(data, handshakeOffset, joined, 0, handshakeLength);
          handshake = joined;
          handshakeOffset = 0;
        }
        System.arraycopy(data, from, handshake, handshakeLength, to - from);
      }
      handshakeLength += to - from;
    }

    private static SniResult malformed(String reason) {
      return new SniResult.Malformed(reason);
    }
  }

  private static int u16(byte[] b, int i) {
    return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
  }

  private static int u24(byte[] b, int i) {
    return (b[i] & 0xff) << 16 | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff);
  }
}
