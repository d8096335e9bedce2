package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.RouteTable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Encodes the PROXY protocol version 2 header that the ingress writes to a backend before any client byte. Pure:
 * addresses in, bytes out, no sockets.
 *
 * <p>Layout (HAProxy "The PROXY protocol", versions 1 &amp; 2, section 2.2):
 * <pre>
 *   offset  size  field
 *        0    12  signature 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A
 *       12     1  version 2 (high nibble) | command PROXY 1 (low nibble)   = 0x21
 *       13     1  family AF_INET 1 / AF_INET6 2 (high) | STREAM 1 (low)     = 0x11 / 0x21
 *       14     2  length of what follows, network order
 *       16  12|36 src addr, dst addr, src port, dst port (network order)
 *        ..     *  TLVs: type(1) length(2, network order) value(length)
 * </pre>
 * With no TLVs the header is exactly 28 bytes (IPv4) or 52 bytes (IPv6), which is the default docs/behaviour.md
 * asks for. The optional TLVs are written in the order AUTHORITY, UNIQUE_ID, CRC32C.
 */
public final class ProxyHeaderV2 {

  /** The 12-byte v2 signature (section 2.2). */
  static final byte[] SIGNATURE = {
      0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  /** Version 2, command PROXY (section 2.2, 13th byte). */
  static final byte VERSION_COMMAND_PROXY = 0x21;
  /** TCP over IPv4 (section 2.2, 14th byte). */
  static final byte FAMILY_TCP4 = 0x11;
  /** TCP over IPv6 (section 2.2, 14th byte). */
  static final byte FAMILY_TCP6 = 0x21;

  /** Section 2.2 registered TLV types used here. */
  public static final int PP2_TYPE_AUTHORITY = 0x02;
  public static final int PP2_TYPE_CRC32C = 0x03;
  public static final int PP2_TYPE_UNIQUE_ID = 0x05;

  /** Section 2.2.5: the unique id is "an opaque byte sequence of up to 128 bytes". */
  public static final int MAX_UNIQUE_ID_LENGTH = 128;

  /** Fixed part before the address block: signature, ver/cmd, family, length. */
  static final int PREFIX_LENGTH = 16;
  static final int IPV4_ADDRESS_BLOCK = 12;
  static final int IPV6_ADDRESS_BLOCK = 36;
  private static final int TLV_OVERHEAD = 3;
  private static final int CRC32C_VALUE_LENGTH = 4;

  /** First 12 bytes of an IPv4-mapped IPv6 address, {@code ::ffff:0:0/96} (RFC 4291 section 2.5.5.2). */
  private static final byte[] V4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF};

  private ProxyHeaderV2() {
  }

  /**
   * Optional TLVs of a route. {@link #NONE} keeps the header at its byte-exact 28/52 bytes.
   *
   * @param authority PP2_TYPE_AUTHORITY (section 2.2.2): the sniffed SNI, already normalised ASCII; null for none
   * @param uniqueId  PP2_TYPE_UNIQUE_ID (section 2.2.5): the connection id, 1-128 bytes; null for none
   * @param crc32c    PP2_TYPE_CRC32C (section 2.2.3): append a checksum of the whole header
   */
  public record Tlvs(String authority, byte[] uniqueId, boolean crc32c) {

    /** No TLVs at all. */
    public static final Tlvs NONE = new Tlvs(null, null, false);

    public Tlvs {
      if (authority != null) {
        if (authority.isEmpty()) {
          throw new IllegalArgumentException("empty AUTHORITY TLV");
        }
        if (!StandardCharsets.US_ASCII.newEncoder().canEncode(authority)) {
          // The spec allows UTF-8, but we only ever send an SNI, which TLS carries as ASCII (A-labels).
          throw new IllegalArgumentException("AUTHORITY must be ASCII (an SNI host name): " + authority);
        }
        if (authority.length() > 0xFFFF) {
          throw new IllegalArgumentException("AUTHORITY longer than a TLV can hold");
        }
      }
      if (uniqueId != null) {
        if (uniqueId.length == 0 || uniqueId.length > MAX_UNIQUE_ID_LENGTH) {
          throw new IllegalArgumentException(
              "UNIQUE_ID must be 1-" + MAX_UNIQUE_ID_LENGTH + " bytes, got " + uniqueId.length);
        }
        uniqueId = uniqueId.clone();
      }
    }

    public static Tlvs none() {
      return NONE;
    }

    public Tlvs withAuthority(String sni) {
      return new Tlvs(sni, uniqueId, crc32c);
    }

    /** The connection id as ASCII bytes, as it also appears in the access log. */
    public Tlvs withUniqueId(String connectionId) {
      return withUniqueId(connectionId.getBytes(StandardCharsets.US_ASCII));
    }

    public Tlvs withUniqueId(byte[] id) {
      return new Tlvs(authority, id, crc32c);
    }

    public Tlvs withCrc32c() {
      return new Tlvs(authority, uniqueId, true);
    }

    @Override
    public byte[] uniqueId() {
      return uniqueId == null ? null : uniqueId.clone();
    }

    boolean isEmpty() {
      return authority == null && uniqueId == null && !crc32c;
    }

    int encodedLength() {
      int n = 0;
      if (authority != null) {
        n += TLV_OVERHEAD + authority.length();
      }
      if (uniqueId != null) {
        n += TLV_OVERHEAD + uniqueId.length;
      }
      if (crc32c) {
        n += TLV_OVERHEAD + CRC32C_VALUE_LENGTH;
      }
      return n;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Tlvs t && Objects.equals(authority, t.authority)
          && Arrays.equals(uniqueId, t.uniqueId) && crc32c == t.crc32c;
    }

    @Override
    public int hashCode() {
      return Objects.hash(authority, Arrays.hashCode(uniqueId), crc32c);
    }

    @Override
    public String toString() {
      return "Tlvs[authority=" + authority + ", uniqueId=" + (uniqueId == null ? null : uniqueId.length + " bytes")
          + ", crc32c=" + crc32c + "]";
    }
  }

  /** The header without TLVs: 28 bytes for IPv4, 52 for IPv6. */
  public static byte[] encode(InetSocketAddress client, InetSocketAddress reached) {
    return encode(client, reached, Tlvs.NONE);
  }

  /**
   * Encodes a {@code PROXY} command for a TCP connection.
   *
   * <p>IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}, what a dual-stack socket reports for an IPv4 peer) are
   * unwrapped on either side first, so an IPv4 client on a dual-stack listener gets the IPv4 form.
   *
   * <p>If the two addresses still differ in family (say an IPv4 client that reached an IPv6 address through a
   * NAT64 or a test harness), the header cannot say so: section 2.2 has one family byte for both addresses. Rather
   * than drop to {@code UNSPEC} and lose the client address, both are written as IPv6 with the IPv4 one mapped into
   * {@code ::ffff:0:0/96}; receivers (HAProxy, nginx, Netty) print such an address as {@code ::ffff:a.b.c.d}, which
   * still identifies the client.
   *
   * @param client  the client's address and port (the accepted socket's remote address)
   * @param reached the address and port the client connected to (the accepted socket's local address)
   * @param tlvs    optional TLVs; {@link Tlvs#NONE} for the byte-exact default
   * @throws IllegalArgumentException for an unresolved address
   */
  public static byte[] encode(InetSocketAddress client, InetSocketAddress reached, Tlvs tlvs) {
    Objects.requireNonNull(tlvs, "tlvs");
    InetAddress src = RouteTable.unwrap(addressOf(client, "client"));
    InetAddress dst = RouteTable.unwrap(addressOf(reached, "reached"));
    boolean ipv4 = src instanceof Inet4Address && dst instanceof Inet4Address;

    int addressBlock = ipv4 ? IPV4_ADDRESS_BLOCK : IPV6_ADDRESS_BLOCK;
    int remaining = addressBlock + tlvs.encodedLength();
    ByteBuffer out = ByteBuffer.allocate(PREFIX_LENGTH + remaining);
    out.put(SIGNATURE);
    out.put(VERSION_COMMAND_PROXY);
    out.put(ipv4 ? FAMILY_TCP4 : FAMILY_TCP6);
    out.putShort((short) remaining);
    out.put(ipv4 ? src.getAddress() : ipv6Bytes(src));
    out.put(ipv4 ? dst.getAddress() : ipv6Bytes(dst));
    out.putShort((short) client.getPort());
    out.putShort((short) reached.getPort());

    if (tlvs.authority() != null) {
      putTlv(out, PP2_TYPE_AUTHORITY, tlvs.authority().getBytes(StandardCharsets.US_ASCII));
    }
    if (tlvs.uniqueId != null) {
      putTlv(out, PP2_TYPE_UNIQUE_ID, tlvs.uniqueId);
    }
    if (tlvs.crc32c()) {
      // Section 2.2.3: write the TLV with a zero value, checksum the whole header (signature included) as in
      // RFC 4960 appendix B (CRC-32C, Castagnoli), then store the result in network byte order.
      int valueOffset = out.position() + TLV_OVERHEAD;
      putTlv(out, PP2_TYPE_CRC32C, new byte[CRC32C_VALUE_LENGTH]);
      out.putInt(valueOffset, (int) crc32c(out.array()));
    }
    return out.array();
  }

  /** CRC-32C of {@code bytes}, as section 2.2.3 uses it; callers zero the checksum field first. */
  public static long crc32c(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length);
    return crc.getValue();
  }

  private static InetAddress addressOf(InetSocketAddress socketAddress, String what) {
    Objects.requireNonNull(socketAddress, what);
    InetAddress address = socketAddress.getAddress();
    if (address == null) {
      throw new IllegalArgumentException(what + " address is unresolved: " + socketAddress);
    }
    return address;
  }

  /** 16 bytes: an IPv6 address as is, an IPv4 address mapped into {@code ::ffff:0:0/96}. */
  private static byte[] ipv6Bytes(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length == 16) {
      return b;
    }
    byte[] mapped = Arrays.copyOf(V4_MAPPED_PREFIX, 16);
    System.arraycopy(b, 0, mapped, 12, 4);
    return mapped;
  }

  private static void putTlv(ByteBuffer out, int type, byte[] value) {
    out.put((byte) type);
    out.putShort((short) value.length);
    out.put(value);
  }
}
