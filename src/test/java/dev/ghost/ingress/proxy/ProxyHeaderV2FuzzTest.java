package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.FuzzValues;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Round-trips the PROXY v2 writer through Netty's independent decoder for every address family (IPv4, IPv6,
 * IPv4-mapped, mixed) and every TLV set with random contents: the decoder reads back exactly the addresses, ports
 * and TLVs written, the length covers every byte, and the CRC32C, when present, checks. Tries as in
 * {@code ClientHelloParserFuzzTest}; so is generation.
 */
class ProxyHeaderV2FuzzTest {

  private static final int PP2_TYPE_CRC32C = 0x03;
  /** Netty's TLV enum has no name for it: section 2.2.5. */
  private static final int PP2_TYPE_UNIQUE_ID = 0x05;
  private static final String LABEL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-";

  @Property
  void nettyDecodesExactlyWhatWasWritten(@ForAll("addresses") InetSocketAddress client,
      @ForAll("addresses") InetSocketAddress reached, @ForAll("tlvs") ProxyHeaderV2.Tlvs tlvs) {
    byte[] header = ProxyHeaderV2.encode(client, reached, tlvs);
    EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
    ch.writeInbound(Unpooled.wrappedBuffer(header));
    HAProxyMessage m = ch.readInbound();
    try {
      assertThat(m).isNotNull();
      assertThat(m.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
      assertThat(m.command()).isEqualTo(HAProxyCommand.PROXY);
      InetAddress src = Sockets.unwrap(client).getAddress();
      InetAddress dst = Sockets.unwrap(reached).getAddress();
      boolean ipv4 = src.getAddress().length == 4 && dst.getAddress().length == 4;
      assertThat(m.proxiedProtocol()).isEqualTo(ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6);
      assertThat(InetAddress.getByName(m.sourceAddress())).isEqualTo(src);
      assertThat(InetAddress.getByName(m.destinationAddress())).isEqualTo(dst);
      assertThat(m.sourcePort()).isEqualTo(client.getPort());
      assertThat(m.destinationPort()).isEqualTo(reached.getPort());
      assertTlvs(m, tlvs, header);
      // nothing after the header: its length field covered every byte
      assertThat((Object) ch.readInbound()).isNull();
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    } finally {
      if (m != null) {
        m.release();
      }
      ch.finishAndReleaseAll();
    }
  }

  private static void assertTlvs(HAProxyMessage m, ProxyHeaderV2.Tlvs tlvs, byte[] header) {
    String authority = null;
    byte[] uniqueId = null;
    Long crc = null;
    for (HAProxyTLV tlv : m.tlvs()) {
      ByteBuf v = tlv.content();
      if (tlv.type() == HAProxyTLV.Type.PP2_TYPE_AUTHORITY) {
        authority = v.toString(StandardCharsets.US_ASCII);
      } else if (tlv.typeByteValue() == PP2_TYPE_UNIQUE_ID) {
        uniqueId = ByteBufUtil.getBytes(v);
      } else if (tlv.typeByteValue() == PP2_TYPE_CRC32C) {
        crc = v.getUnsignedInt(v.readerIndex());
      }
    }
    assertThat(authority).isEqualTo(tlvs.authority());
    assertThat(uniqueId).isEqualTo(tlvs.uniqueId());
    assertThat(crc != null).isEqualTo(tlvs.crc32c());
    if (crc != null) {
      // section 2.2.3: the checksum of the whole header with the checksum field itself zeroed
      byte[] zeroed = header.clone();
      int at = crcValueOffset(header);
      ByteBuffer.wrap(zeroed).putInt(at, 0);
      assertThat(ProxyHeaderV2.crc32c(zeroed)).isEqualTo(crc);
    }
  }

  /** Where the CRC32C TLV's value starts: walks the TLVs after the address block. */
  private static int crcValueOffset(byte[] header) {
    int family = header[13] & 0xff;
    int at = 16 + (family == 0x11 ? 12 : 36);
    while (at + 3 <= header.length) {
      int type = header[at] & 0xff;
      int len = ((header[at + 1] & 0xff) << 8) | (header[at + 2] & 0xff);
      if (type == PP2_TYPE_CRC32C) {
        return at + 3;
      }
      at += 3 + len;
    }
    throw new AssertionError("no CRC32C TLV");
  }

  /** IPv4, IPv6 or IPv4-mapped IPv6, any bytes, any port. */
  @Provide
  Arbitrary<InetSocketAddress> addresses() {
    return FuzzValues.from(r -> {
      byte[] bytes = new byte[r.nextInt(3) == 0 ? 4 : 16];
      r.nextBytes(bytes);
      if (r.nextInt(3) == 0 && bytes.length == 16) {
        Arrays.fill(bytes, 0, 10, (byte) 0);
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
      }
      try {
        return new InetSocketAddress(InetAddress.getByAddress(bytes), FuzzValues.between(r, 0, 65535));
      } catch (UnknownHostException impossible) {
        throw new AssertionError(impossible);
      }
    });
  }

  /** An authority of one to four DNS labels, a unique id of 1 to 128 bytes (each absent 30 %), CRC32C or not. */
  @Provide
  Arbitrary<ProxyHeaderV2.Tlvs> tlvs() {
    return FuzzValues.from(r -> new ProxyHeaderV2.Tlvs(r.nextInt(10) < 3 ? null : host(r),
        r.nextInt(10) < 3 ? null : uniqueId(r), r.nextBoolean()));
  }

  private static byte[] uniqueId(Random r) {
    byte[] id = new byte[FuzzValues.between(r, 1, 128)];
    r.nextBytes(id);
    return id;
  }

  private static String host(Random r) {
    StringBuilder host = new StringBuilder();
    for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
      host.append(i == 0 ? "" : ".");
      for (int j = 0, len = FuzzValues.between(r, 1, 63); j < len; j++) {
        host.append(LABEL_CHARS.charAt(r.nextInt(LABEL_CHARS.length())));
      }
    }
    return host.toString();
  }
}
