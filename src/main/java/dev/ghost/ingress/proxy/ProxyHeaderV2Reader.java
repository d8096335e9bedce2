package dev.ghost.ingress.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Decodes the PROXY protocol version 2 header at the start of a connection, the counterpart of
 * {@link ProxyHeaderV2} (HAProxy "The PROXY protocol", versions 1 &amp; 2, section 2.2). Pure and bounded: it is
 * given the bytes read so far and says whether they hold a whole header, need more, or can never be one. The
 * sample workload reads what the ingress writes with it.
 */
public final class ProxyHeaderV2Reader {

  /**
   * The longest header accepted: the prefix, the largest address block and room for TLVs (the ingress writes at
   * most AUTHORITY, UNIQUE_ID and CRC32C: under 450 bytes). Section 2.2 allows up to 16 + 65 535 bytes; a reader
   * may hold less, and a peer that sends more is refused instead of buffered.
   */
  public static final int MAX_HEADER_BYTES = 1024;

  private static final int COMMAND_LOCAL = 0x0;
  private static final int COMMAND_PROXY = 0x1;
  private static final int AF_UNSPEC = 0x0;
  private static final int AF_INET = 0x1;
  private static final int AF_INET6 = 0x2;
  private static final int AF_UNIX = 0x3;
  private static final int TRANSPORT_STREAM = 0x1;

  private ProxyHeaderV2Reader() {}

  /** What the bytes read so far hold. */
  public sealed interface Result {

    /** Not a whole header yet: read more (the bytes so far are a valid beginning). */
    record NeedMore() implements Result {}

    /**
     * A {@code PROXY} command for a TCP connection.
     *
     * @param length      the header's length: the connection's own bytes start after it
     * @param source      the client's address and port
     * @param destination the address and port the client reached
     */
    record Proxied(int length, InetSocketAddress source, InetSocketAddress destination) implements Result {}

    /**
     * A {@code LOCAL} command (a health check by the proxy itself), or a {@code PROXY} command for an address
     * family or transport the receiver must accept but not use (section 2.2: "the receiver must ... use the real
     * connection endpoints"): the connection's own addresses stand.
     *
     * @param length the header's length: the connection's own bytes start after it
     */
    record Local(int length) implements Result {}

    /**
     * Never a valid header, whatever follows: the connection is to be closed.
     *
     * @param reason why, for the log line
     */
    record Invalid(String reason) implements Result {}
  }

  /** Reads {@code buf[0..length)}, the first bytes of a connection. */
  public static Result read(byte[] buf, int length) {
    int prefix = Math.min(length, ProxyHeaderV2.SIGNATURE.length);
    // Section 2.2: the signature comes first; a mismatch in any byte read so far means another protocol
    if (!Arrays.equals(buf, 0, prefix, ProxyHeaderV2.SIGNATURE, 0, prefix)) {
      return new Result.Invalid("no PROXY v2 signature");
    }
    if (length < ProxyHeaderV2.PREFIX_LENGTH) {
      return new Result.NeedMore();
    }
    int versionCommand = buf[12] & 0xFF;
    // Section 2.2, 13th byte: the high nibble "must always be 0x2"; only LOCAL and PROXY are defined
    if (versionCommand >> 4 != 2) {
      return new Result.Invalid("version " + (versionCommand >> 4) + ", not 2");
    }
    int command = versionCommand & 0x0F;
    if (command != COMMAND_LOCAL && command != COMMAND_PROXY) {
      return new Result.Invalid("unknown command " + command);
    }
    int total = ProxyHeaderV2.PREFIX_LENGTH + (ByteBuffer.wrap(buf, 14, 2).getShort() & 0xFFFF);
    if (total > MAX_HEADER_BYTES) {
      return new Result.Invalid("header of " + total + " bytes, more than " + MAX_HEADER_BYTES);
    }
    if (length < total) {
      return new Result.NeedMore();
    }
    int family = (buf[13] & 0xFF) >> 4;
    int transport = buf[13] & 0x0F;
    // Section 2.2: LOCAL, UNSPEC and non-stream transports carry no addresses the receiver may use
    if (command == COMMAND_LOCAL || family == AF_UNSPEC || transport != TRANSPORT_STREAM) {
      return new Result.Local(total);
    }
    return addresses(buf, total, family);
  }

  private static Result addresses(byte[] buf, int total, int family) {
    int size = family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
    if (size < 0) {
      // AF_UNIX (0x3) carries paths, not addresses a TCP workload can report; others are undefined
      return family == AF_UNIX ? new Result.Local(total) : new Result.Invalid("unknown address family " + family);
    }
    int block = ProxyHeaderV2.PREFIX_LENGTH + 2 * size + 4;
    // Section 2.2: the length covers the address block; a shorter one cannot hold the addresses it announces
    if (total < block) {
      return new Result.Invalid("length " + (total - ProxyHeaderV2.PREFIX_LENGTH) + " shorter than the "
          + (block - ProxyHeaderV2.PREFIX_LENGTH) + "-byte address block");
    }
    int at = ProxyHeaderV2.PREFIX_LENGTH;
    ByteBuffer ports = ByteBuffer.wrap(buf, at + 2 * size, 4);
    int sourcePort = ports.getShort() & 0xFFFF;
    int destinationPort = ports.getShort() & 0xFFFF;
    return new Result.Proxied(total, socketAddress(buf, at, size, sourcePort),
        socketAddress(buf, at + size, size, destinationPort));
  }

  private static InetSocketAddress socketAddress(byte[] buf, int at, int size, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(buf, at, at + size)), port);
    } catch (UnknownHostException impossible) {
      throw new AssertionError("4 or 16 bytes are always an address", impossible);
    }
  }
}
