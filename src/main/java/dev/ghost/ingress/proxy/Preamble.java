package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.ProxyProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;

/**
 * What a backend receives before the relay starts: the PROXY v2 header when the route asks for one, then the bytes
 * read while sniffing, unchanged. Pure and stateless, so a connection's state machine keeps only the decision of
 * when to send it.
 */
final class Preamble {

  private static final byte[] NO_HEADER = new byte[0];

  private Preamble() {}

  /**
   * The PROXY v2 header for {@code proxyProtocol}, empty when the route sends none.
   *
   * @param sni      the name the client asked for, or null (no AUTHORITY TLV then)
   * @param uniqueId the connection id, or null when the route does not ask for UNIQUE_ID
   */
  static byte[] header(ProxyProtocol proxyProtocol, InetSocketAddress client, InetSocketAddress reached, String sni,
      String uniqueId) {
    return proxyProtocol.v2() ? ProxyHeaderV2.encode(client, reached, tlvs(proxyProtocol, sni, uniqueId)) : NO_HEADER;
  }

  /** True when the route's header carries the connection id, which is then worth formatting. */
  static boolean wantsUniqueId(ProxyProtocol proxyProtocol) {
    return proxyProtocol.has(ProxyProtocol.Tlv.UNIQUE_ID);
  }

  /** {@link ProxyProtocol#has} rather than its copied TLV set: nothing allocated to ask. */
  private static ProxyHeaderV2.Tlvs tlvs(ProxyProtocol wanted, String sni, String uniqueId) {
    ProxyHeaderV2.Tlvs tlvs = ProxyHeaderV2.Tlvs.none();
    if (wanted.has(ProxyProtocol.Tlv.AUTHORITY) && sni != null) {
      tlvs = tlvs.withAuthority(sni);
    }
    if (wanted.has(ProxyProtocol.Tlv.UNIQUE_ID)) {
      tlvs = tlvs.withUniqueId(uniqueId);
    }
    return wanted.has(ProxyProtocol.Tlv.CRC32C) ? tlvs.withCrc32c() : tlvs;
  }

  /**
   * {@code header} then every readable byte of {@code received} (null: none), copied into one pooled direct buffer: one write,
   * one segment, and an address the native write takes as is. Null when there is nothing to send. The caller still
   * owns (and releases) {@code received}.
   */
  static ByteBuf compose(ByteBufAllocator alloc, byte[] header, ByteBuf received) {
    int length = header.length + (received == null ? 0 : received.readableBytes());
    if (length == 0) {
      return null;
    }
    ByteBuf preamble = alloc.directBuffer(length);
    preamble.writeBytes(header);
    if (received != null) {
      preamble.writeBytes(received, received.readerIndex(), received.readableBytes());
    }
    return preamble;
  }
}
