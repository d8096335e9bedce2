package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.proxy.ProxyHeaderV2Reader.Result;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ProxyHeaderV2Reader} on headers written by Netty's independent encoder (every command, family and transport
 * it can write, with TLVs) and on bytes that are no header. The writer's own round trip, split and byte by byte,
 * and arbitrary bytes are {@code ProxyHeaderV2FuzzTest}'s.
 */
class ProxyHeaderV2ReaderTest {

  private static byte[] netty(HAProxyMessage message) {
    EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    ch.writeOutbound(message);
    ByteBuf out = ch.readOutbound();
    try {
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
      ch.finishAndReleaseAll();
    }
  }

  private static HAProxyMessage proxy(HAProxyProxiedProtocol protocol, String src, String dst, HAProxyTLV... tlvs) {
    return new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, protocol, src, dst, 40000, 443,
        List.of(tlvs));
  }

  private static Result readWhole(byte[] header) {
    for (int n = 1; n < header.length; n++) {
      assertThat(ProxyHeaderV2Reader.read(header, n)).as("%d of %d bytes", n, header.length)
          .isEqualTo(new Result.NeedMore());
    }
    return ProxyHeaderV2Reader.read(header, header.length);
  }

  @Test
  void readsNettysTcpHeadersOfBothFamiliesWithTlvs() {
    HAProxyTLV authority = new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_AUTHORITY,
        Unpooled.copiedBuffer("myapp.example.com", StandardCharsets.US_ASCII));
    byte[] v4 = netty(proxy(HAProxyProxiedProtocol.TCP4, "192.0.2.7", "198.51.100.1", authority));
    byte[] v6 = netty(proxy(HAProxyProxiedProtocol.TCP6, "2001:db8::7", "2001:db8::1"));

    assertThat(readWhole(v4)).isEqualTo(new Result.Proxied(v4.length,
        new InetSocketAddress("192.0.2.7", 40000), new InetSocketAddress("198.51.100.1", 443)));
    assertThat(readWhole(v6)).isEqualTo(new Result.Proxied(52,
        new InetSocketAddress("2001:db8::7", 40000), new InetSocketAddress("2001:db8::1", 443)));
  }

  @Test
  void localCommandsAndOtherTransportsKeepTheConnectionsOwnAddresses() {
    byte[] local = netty(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
        HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0));
    byte[] udp = netty(proxy(HAProxyProxiedProtocol.UDP4, "192.0.2.7", "198.51.100.1"));
    byte[] unix = netty(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
        HAProxyProxiedProtocol.UNIX_STREAM, "/run/a.sock", "/run/b.sock", 0, 0));

    assertThat(readWhole(local)).isEqualTo(new Result.Local(16));
    assertThat(readWhole(udp)).isEqualTo(new Result.Local(udp.length));
    assertThat(readWhole(unix)).isEqualTo(new Result.Local(unix.length));
  }

  @Test
  void bytesThatAreNoHeaderAreRefusedAtTheFirstWrongByte() {
    byte[] tls = {0x16, 0x03, 0x01, 0x02, 0x00};
    byte[] v1 = "PROXY TCP4 192.0.2.7 198.51.100.1 40000 443\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(ProxyHeaderV2Reader.read(tls, 1)).isInstanceOf(Result.Invalid.class);
    assertThat(ProxyHeaderV2Reader.read(v1, 1)).isInstanceOf(Result.Invalid.class);
  }

  @Test
  void aWrongVersionOrCommandOrAShortAddressBlockIsRefused() {
    byte[] header = ProxyHeaderV2.encode(new InetSocketAddress("192.0.2.7", 1), new InetSocketAddress("192.0.2.8", 2));
    assertThat(ProxyHeaderV2Reader.read(with(header, 12, 0x11), header.length)).isEqualTo(
        new Result.Invalid("version 1, not 2"));
    assertThat(ProxyHeaderV2Reader.read(with(header, 12, 0x22), header.length)).isEqualTo(
        new Result.Invalid("unknown command 2"));
    byte[] shortBlock = with(header, 15, 8);
    assertThat(ProxyHeaderV2Reader.read(shortBlock, 24)).isEqualTo(
        new Result.Invalid("length 8 shorter than the 12-byte address block"));
  }

  @Test
  void aLengthBeyondTheCapIsRefusedBeforeItsBytesArrive() {
    byte[] header = ProxyHeaderV2.encode(new InetSocketAddress("192.0.2.7", 1), new InetSocketAddress("192.0.2.8", 2));
    byte[] huge = with(with(header, 14, 0xFF), 15, 0xFF);
    assertThat(ProxyHeaderV2Reader.read(huge, 16)).isEqualTo(
        new Result.Invalid("header of 65551 bytes, more than " + ProxyHeaderV2Reader.MAX_HEADER_BYTES));
  }

  private static byte[] with(byte[] bytes, int at, int value) {
    byte[] out = Arrays.copyOf(bytes, bytes.length);
    out[at] = (byte) value;
    return out;
  }
}
