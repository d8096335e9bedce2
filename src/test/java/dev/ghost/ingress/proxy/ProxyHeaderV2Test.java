package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.proxy.ProxyHeaderV2.Tlvs;
import dev.ghost.ingress.route.RouteTable;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProxyHeaderV2Test {

  private static final String SIGNATURE = "0d0a0d0a000d0a515549540a";

  private static final InetSocketAddress CLIENT4 = addr("192.0.2.1", 56324);
  private static final InetSocketAddress REACHED4 = addr("198.51.100.7", 443);
  private static final InetSocketAddress CLIENT6 = addr("2001:db8::1", 50000);
  private static final InetSocketAddress REACHED6 = addr("2001:db8::2", 8443);

  /** 28 bytes: 0x21, TCP/IPv4, length 12, 192.0.2.1 -> 198.51.100.7, 56324 (0xdc04) -> 443 (0x01bb). */
  private static final String IPV4_EXPECTED = SIGNATURE + "21" + "11" + "000c"
      + "c0000201" + "c6336407" + "dc04" + "01bb";

  /** 52 bytes: 0x21, TCP/IPv6, length 36, 2001:db8::1 -> 2001:db8::2, 50000 (0xc350) -> 8443 (0x20fb). */
  private static final String IPV6_EXPECTED = SIGNATURE + "21" + "21" + "0024"
      + "20010db8000000000000000000000001" + "20010db8000000000000000000000002" + "c350" + "20fb";

  @Test
  void ipv4HeaderIsByteExact28Bytes() {
    byte[] header = ProxyHeaderV2.encode(CLIENT4, REACHED4);
    assertThat(header).hasSize(28);
    assertThat(hex(header)).isEqualTo(IPV4_EXPECTED);
  }

  @Test
  void ipv6HeaderIsByteExact52Bytes() {
    byte[] header = ProxyHeaderV2.encode(CLIENT6, REACHED6, Tlvs.NONE);
    assertThat(header).hasSize(52);
    assertThat(hex(header)).isEqualTo(IPV6_EXPECTED);
  }

  @Test
  void ipv4MappedAddressesOnBothSidesAreUnwrappedToTheIpv4Form() {
    // What a dual-stack [::] socket can report for an IPv4 client: mapped addresses kept as Inet6Address.
    InetSocketAddress client = new InetSocketAddress(mapped(192, 0, 2, 1), 56324);
    InetSocketAddress reached = new InetSocketAddress(mapped(198, 51, 100, 7), 443);
    assertThat(client.getAddress()).isInstanceOf(Inet6Address.class);

    assertThat(hex(ProxyHeaderV2.encode(client, reached))).isEqualTo(IPV4_EXPECTED);
    assertThat(hex(ProxyHeaderV2.encode(client, REACHED4))).isEqualTo(IPV4_EXPECTED);
    assertThat(hex(ProxyHeaderV2.encode(CLIENT4, reached))).isEqualTo(IPV4_EXPECTED);
  }

  @Test
  void mixedFamiliesAreWrittenAsIpv6WithTheIpv4SideMapped() {
    byte[] header = ProxyHeaderV2.encode(CLIENT4, REACHED6);
    assertThat(hex(header)).isEqualTo(SIGNATURE + "21" + "21" + "0024"
        + "00000000000000000000ffffc0000201" + "20010db8000000000000000000000002" + "dc04" + "20fb");
  }

  @Test
  void authorityTlvCarriesTheSniAsAscii() {
    byte[] header = ProxyHeaderV2.encode(CLIENT4, REACHED4, Tlvs.NONE.withAuthority("myapp.example.com"));
    // length 12 + 3 + 17 = 32 = 0x20
    assertThat(hex(header)).isEqualTo(SIGNATURE + "2111" + "0020" + "c0000201c6336407dc0401bb"
        + "02" + "0011" + hex("myapp.example.com".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void uniqueIdTlvCarriesTheConnectionIdBytes() {
    byte[] header = ProxyHeaderV2.encode(CLIENT6, REACHED6, Tlvs.NONE.withUniqueId(new byte[] {1, 2, 3, (byte) 0xff}));
    // length 36 + 3 + 4 = 43 = 0x2b
    assertThat(hex(header)).isEqualTo(SIGNATURE + "2121" + "002b" + IPV6_EXPECTED.substring(32) + "05" + "0004" + "010203ff");
  }

  @Test
  void crc32cTlvIsTheChecksumOfTheWholeHeaderWithTheFieldZeroed() {
    byte[] header = ProxyHeaderV2.encode(CLIENT4, REACHED4, Tlvs.NONE.withCrc32c());
    assertThat(header).hasSize(28 + 7);
    assertThat(hex(header)).startsWith(SIGNATURE + "2111" + "0013" + "c0000201c6336407dc0401bb" + "03" + "0004");

    byte[] zeroed = header.clone();
    java.util.Arrays.fill(zeroed, 31, 35, (byte) 0);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(zeroed);
    assertThat(hex(java.util.Arrays.copyOfRange(header, 31, 35))).isEqualTo(String.format("%08x", crc.getValue()));
  }

  @Test
  void allTlvsAppearInOrderAuthorityUniqueIdCrc32c() {
    Tlvs tlvs = Tlvs.NONE.withAuthority("a.example").withUniqueId("c-1").withCrc32c();
    byte[] header = ProxyHeaderV2.encode(CLIENT4, REACHED4, tlvs);
    // 12 + (3+9) + (3+3) + (3+4) = 37 = 0x25
    assertThat(header).hasSize(16 + 37);
    assertThat(hex(header)).startsWith(SIGNATURE + "2111" + "0025" + "c0000201c6336407dc0401bb"
        + "020009" + hex("a.example".getBytes(StandardCharsets.US_ASCII))
        + "050003" + hex("c-1".getBytes(StandardCharsets.US_ASCII))
        + "030004");
  }

  @Test
  void rejectsBadTlvsAndUnresolvedAddresses() {
    assertThatThrownBy(() -> Tlvs.NONE.withUniqueId(new byte[129])).hasMessageContaining("1-128");
    assertThatThrownBy(() -> Tlvs.NONE.withUniqueId(new byte[0])).hasMessageContaining("1-128");
    assertThatThrownBy(() -> Tlvs.NONE.withAuthority("bücher.example")).hasMessageContaining("ASCII");
    assertThatThrownBy(() -> ProxyHeaderV2.encode(InetSocketAddress.createUnresolved("x.example", 1), REACHED4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unresolved");
    assertThat(Tlvs.NONE.withUniqueId(new byte[128]).uniqueId()).hasSize(128);
  }

  static Stream<Arguments> variants() {
    Tlvs all = Tlvs.NONE.withAuthority("tenant-a.example.com").withUniqueId(new byte[128]).withCrc32c();
    return Stream.of(
        Arguments.of("ipv4", CLIENT4, REACHED4, Tlvs.NONE, HAProxyProxiedProtocol.TCP4),
        Arguments.of("ipv6", CLIENT6, REACHED6, Tlvs.NONE, HAProxyProxiedProtocol.TCP6),
        Arguments.of("ipv4 mapped", new InetSocketAddress(mapped(10, 1, 2, 3), 1), new InetSocketAddress(mapped(127, 0, 0, 1), 65535),
            Tlvs.NONE, HAProxyProxiedProtocol.TCP4),
        Arguments.of("mixed", CLIENT4, REACHED6, Tlvs.NONE, HAProxyProxiedProtocol.TCP6),
        Arguments.of("ipv4 authority", CLIENT4, REACHED4, Tlvs.NONE.withAuthority("myapp.example.com"), HAProxyProxiedProtocol.TCP4),
        Arguments.of("ipv6 unique id", CLIENT6, REACHED6, Tlvs.NONE.withUniqueId("0123456789abcdef"), HAProxyProxiedProtocol.TCP6),
        Arguments.of("ipv4 crc32c", CLIENT4, REACHED4, Tlvs.NONE.withCrc32c(), HAProxyProxiedProtocol.TCP4),
        Arguments.of("ipv4 all", CLIENT4, REACHED4, all, HAProxyProxiedProtocol.TCP4),
        Arguments.of("ipv6 all", CLIENT6, REACHED6, all, HAProxyProxiedProtocol.TCP6));
  }

  /** Netty's decoder, code that is not ours, must read back what we wrote. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void nettyDecoderReadsEveryVariant(String name, InetSocketAddress client, InetSocketAddress reached, Tlvs tlvs,
      HAProxyProxiedProtocol protocol) throws Exception {
    byte[] header = ProxyHeaderV2.encode(client, reached, tlvs);
    EmbeddedChannel channel = new EmbeddedChannel(new HAProxyMessageDecoder());
    // A payload byte after the header must pass through untouched.
    assertThat(channel.writeInbound(Unpooled.wrappedBuffer(header, new byte[] {0x16}))).isTrue();
    HAProxyMessage msg = channel.readInbound();
    try {
      assertThat(msg.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
      assertThat(msg.command()).isEqualTo(HAProxyCommand.PROXY);
      assertThat(msg.proxiedProtocol()).isEqualTo(protocol);
      assertThat(InetAddress.getByName(msg.sourceAddress())).isEqualTo(expectedAddress(client, protocol));
      assertThat(InetAddress.getByName(msg.destinationAddress())).isEqualTo(expectedAddress(reached, protocol));
      assertThat(msg.sourcePort()).isEqualTo(client.getPort());
      assertThat(msg.destinationPort()).isEqualTo(reached.getPort());
      assertTlvs(msg.tlvs(), tlvs, header);
    } finally {
      msg.release();
    }
    io.netty.buffer.ByteBuf rest = channel.readInbound();
    assertThat(ByteBufUtil.getBytes(rest)).containsExactly(0x16);
    rest.release();
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  private static void assertTlvs(List<HAProxyTLV> decoded, Tlvs tlvs, byte[] header) {
    int expected = (tlvs.authority() != null ? 1 : 0) + (tlvs.uniqueId() != null ? 1 : 0) + (tlvs.crc32c() ? 1 : 0);
    assertThat(decoded).hasSize(expected);
    for (HAProxyTLV tlv : decoded) {
      byte[] value = ByteBufUtil.getBytes(tlv.content());
      switch (tlv.typeByteValue()) {
        case ProxyHeaderV2.PP2_TYPE_AUTHORITY -> {
          assertThat(tlv.type()).isEqualTo(HAProxyTLV.Type.PP2_TYPE_AUTHORITY);
          assertThat(new String(value, StandardCharsets.US_ASCII)).isEqualTo(tlvs.authority());
        }
        case ProxyHeaderV2.PP2_TYPE_UNIQUE_ID -> assertThat(value).containsExactly(tlvs.uniqueId());
        case ProxyHeaderV2.PP2_TYPE_CRC32C -> {
          assertThat(tlvs.crc32c()).isTrue();
          // Receiver side of section 2.2.3: zero the field (the last 4 bytes: CRC32C is written last), recompute.
          byte[] zeroed = header.clone();
          java.util.Arrays.fill(zeroed, zeroed.length - 4, zeroed.length, (byte) 0);
          assertThat(java.nio.ByteBuffer.wrap(value).getInt()).isEqualTo((int) ProxyHeaderV2.crc32c(zeroed));
          // A flipped address bit must no longer validate.
          zeroed[16] ^= 1;
          assertThat(java.nio.ByteBuffer.wrap(value).getInt()).isNotEqualTo((int) ProxyHeaderV2.crc32c(zeroed));
        }
        default -> throw new AssertionError("unexpected TLV type " + tlv.typeByteValue());
      }
    }
  }

  private static InetAddress expectedAddress(InetSocketAddress address, HAProxyProxiedProtocol protocol)
      throws UnknownHostException {
    InetAddress a = RouteTable.unwrap(address.getAddress());
    if (protocol == HAProxyProxiedProtocol.TCP6 && a.getAddress().length == 4) {
      byte[] b = new byte[16];
      b[10] = (byte) 0xff;
      b[11] = (byte) 0xff;
      System.arraycopy(a.getAddress(), 0, b, 12, 4);
      // getByAddress would hand back an Inet4Address for the mapped bytes, which is what getByName does too.
      return InetAddress.getByAddress(b);
    }
    return a;
  }

  private static Inet6Address mapped(int a, int b, int c, int d) {
    byte[] bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
    try {
      return Inet6Address.getByAddress(null, bytes, -1);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static InetSocketAddress addr(String literal, int port) {
    return new InetSocketAddress(literal, port);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
