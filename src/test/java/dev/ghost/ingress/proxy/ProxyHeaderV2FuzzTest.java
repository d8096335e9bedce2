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

  /**
   * The reader finds the same addresses and length in what the writer wrote, fed whole with trailing bytes, split
   * at a random point, and byte by byte: a prefix is always "need more", never a result of its own.
   */
  @Property
  void theReaderReadsBackWhatWasWritten(@ForAll("addresses") InetSocketAddress client,
      @ForAll("addresses") InetSocketAddress reached, @ForAll("tlvs") ProxyHeaderV2.Tlvs tlvs) {
    byte[] header = ProxyHeaderV2.encode(client, reached, tlvs);
    byte[] withHello = Arrays.copyOf(header, header.length + 5);
    ProxyHeaderV2Reader.Result whole = ProxyHeaderV2Reader.read(withHello, withHello.length);
    assertThat(whole).isInstanceOf(ProxyHeaderV2Reader.Result.Proxied.class);
    var proxied = (ProxyHeaderV2Reader.Result.Proxied) whole;
    assertThat(proxied.length()).isEqualTo(header.length);
    // a mapped address (families differ) reads back as the IPv4 address it carries, as Java makes it
    assertThat(proxied.source()).isEqualTo(Sockets.unwrap(client));
    assertThat(proxied.destination()).isEqualTo(Sockets.unwrap(reached));
    int split = new Random(header.length).nextInt(header.length);
    assertThat(ProxyHeaderV2Reader.read(header, split)).isEqualTo(new ProxyHeaderV2Reader.Result.NeedMore());
    for (int n = 1; n < header.length; n++) {
      assertThat(ProxyHeaderV2Reader.read(header, n)).as("%d of %d bytes", n, header.length)
          .isEqualTo(new ProxyHeaderV2Reader.Result.NeedMore());
    }
    assertThat(ProxyHeaderV2Reader.read(header, header.length)).isEqualTo(whole);
  }

  /** Arbitrary first bytes: a result, never an exception, and never a header longer than the cap. */
  @Property
  void theReaderTakesAnyBytes(@ForAll("mutatedHeaders") byte[] bytes) {
    ProxyHeaderV2Reader.Result r = ProxyHeaderV2Reader.read(bytes, bytes.length);
    if (r instanceof ProxyHeaderV2Reader.Result.Proxied p) {
      assertThat(p.length()).isBetween(16, Math.min(bytes.length, ProxyHeaderV2Reader.MAX_HEADER_BYTES));
    } else if (r instanceof ProxyHeaderV2Reader.Result.Local l) {
      assertThat(l.length()).isBetween(16, Math.min(bytes.length, ProxyHeaderV2Reader.MAX_HEADER_BYTES));
    }
  }

  /** A real header with up to eight random bytes changed and a random length: bytes near enough to matter. */
  @Provide
  Arbitrary<byte[]> mutatedHeaders() {
    return FuzzValues.from(r -> {
      byte[] header = ProxyHeaderV2.encode(new InetSocketAddress("2001:db8::1", 1000),
          new InetSocketAddress("2001:db8::2", 443), new ProxyHeaderV2.Tlvs("a.example", null, r.nextBoolean()));
      byte[] out = Arrays.copyOf(header, r.nextInt(header.length + 8));
      for (int i = 0, n = r.nextInt(9); i < n && out.length > 0; i++) {
        out[r.nextInt(out.length)] = (byte) r.nextInt(256);
      }
      return out;
    });
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
