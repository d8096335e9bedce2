package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.NginxBackend;
import dev.ghost.ingress.testing.ProxyProtocolHttpsBackend;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.RawServer.Recorded;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PROXY protocol v2 as backends see it: the exact header bytes on a raw capturing backend (28 bytes for IPv4, 52 for
 * IPv6, the IPv4 form for an IPv4 client on a dual-stack socket), the optional TLVs as Netty decodes them, nothing
 * at all when the route has it off, and end to end through nginx and Vert.x backends that report the client address.
 */
class ProxyProtocolIT {

  private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  private static final int RAW_PORT = 7001;
  private static final Pattern VERTX_LINE = Pattern.compile("client=(.+):(\\d+) sni=(\\S+) local=(.+):(\\d+)");
  private static final Pattern NGINX_LINE = Pattern.compile("client=(.+):(\\d+) server=(\\S+)");

  static Vertx vertx;
  static RawServer capture;
  static RawServer tlvCapture;
  static RawServer plainCapture;
  static ProxyProtocolHttpsBackend vertxBackend;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    capture = RawServer.capture("127.0.0.1");
    tlvCapture = RawServer.capture("127.0.0.1");
    plainCapture = RawServer.capture("::1");
    vertxBackend = ProxyProtocolHttpsBackend.start(vertx, "::1", TestTls.TENANT_B);
    node = TestNode.start(spec()
        .ipv6("::1")
        .ipv4("127.0.0.1")
        .route(RouteJson.raw("pp", RAW_PORT, capture.backend()).proxyV2().env("e4"))
        .route(RouteJson.tls("tlv", TestTls.RAW, tlvCapture.backend()).proxyV2("authority", "unique_id", "crc32c")
            .env("e4"))
        .route(RouteJson.tls("plain", TestTls.MYAPP, plainCapture.backend()).env("e4"))
        .route(RouteJson.tls("vertx", TestTls.TENANT_B, TestNode.hostPort("::1", vertxBackend.actualPort())).proxyV2().env("e4")));
  }

  /** A node whose env {@code e4} owns 127.0.0.1, with a sniff timeout a cold JDK TLS client always meets. */
  static TestNode.Spec spec() {
    return new TestNode.Spec().withoutProbes().env("e4", "127.0.0.1").set("proxy.sniff_timeout", "5s");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    capture.close();
    tlvCapture.close();
    plainCapture.close();
    vertxBackend.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "client over {0}")
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void headerIsByteExactThenTheClientBytes(String host) throws Exception {
    int port = node.port(host, RAW_PORT);
    Recorded seen;
    byte[] expectedHeader;
    // a raw route dials at accept: the backend connection may exist before the client writes a byte
    int before = capture.connections().size();
    try (Socket client = Clients.connect(host, port)) {
      write(client, "ping");
      seen = connectionAfter(capture, before);
      expectedHeader = header(client);
      client.shutdownOutput();
      Await.until("the backend to see EOF", seen::eof, () -> Arrays.toString(seen.bytes()));
    }
    assertThat(expectedHeader).hasSize(host.contains(":") ? 52 : 28);
    assertThat(seen.bytes()).isEqualTo(concat(expectedHeader, Clients.ascii("ping")));
  }

  /**
   * Only Vert.x's NIO listeners are dual-stack (native epoll binds IPv6 listeners IPV6_V6ONLY, see
   * ReusePortSocketsIT): there an IPv4 client arrives as {@code ::ffff:a.b.c.d} and must still get the IPv4 form.
   */
  @Test
  void ipv4ClientOnADualStackListenerGetsTheIpv4Form() throws Exception {
    RawServer dual = RawServer.capture("127.0.0.1");
    try (dual; TestNode wildcard = TestNode.start(spec().ipv6("::")
        .set(Relays.SETTING, Relays.nativeTransport(Relays.BUFFERED))
        .route(RouteJson.raw("pp", RAW_PORT, dual.backend()).proxyV2().env("e4")))) {
      int port = wildcard.port("::", RAW_PORT);
      int before = dual.connections().size();
      try (Socket client = Clients.connect("127.0.0.1", port)) {
        write(client, "v4");
        Recorded seen = connectionAfter(dual, before);
        byte[] expected = concat(header(client), Clients.ascii("v4"));
        Await.until("header and payload", () -> seen.size() >= expected.length, () -> seen.size() + " bytes");
        assertThat(seen.bytes()).isEqualTo(expected);
        assertThat(expected[13]).isEqualTo((byte) 0x11);
      }
    }
  }

  @ParameterizedTest(name = "client over {0}")
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void tlvsDecodeWithNettyAndTheChecksumHolds(String host) throws Exception {
    int port = node.port(host, 443);
    byte[] hello = ClientHellos.jdk(TestTls.RAW, "TLSv1.3");
    try (Socket client = Clients.connect(host, port)) {
      Recorded seen = next(tlvCapture, () -> {
        client.getOutputStream().write(hello);
        client.getOutputStream().flush();
      });
      Await.until("a header and the hello", () -> seen.size() > 16
          && seen.size() >= 16 + headerLength(seen.bytes()) + hello.length, () -> seen.size() + " bytes");
      byte[] all = seen.bytes();
      int headerLength = 16 + headerLength(all);
      assertThat(Arrays.copyOfRange(all, headerLength, all.length)).isEqualTo(hello);

      HAProxyMessage msg = decode(Arrays.copyOf(all, headerLength));
      try {
        assertThat(msg.proxiedProtocol())
            .isEqualTo(host.contains(":") ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4);
        assertThat(InetAddress.getByName(msg.sourceAddress())).isEqualTo(client.getLocalAddress());
        assertThat(msg.sourcePort()).isEqualTo(client.getLocalPort());
        assertThat(InetAddress.getByName(msg.destinationAddress())).isEqualTo(client.getInetAddress());
        assertThat(msg.destinationPort()).isEqualTo(port);
        Map<Integer, String> tlvs = new HashMap<>();
        for (HAProxyTLV tlv : msg.tlvs()) {
          tlvs.put(tlv.typeByteValue() & 0xff, tlv.content().toString(StandardCharsets.ISO_8859_1));
        }
        assertThat(tlvs).containsOnlyKeys(0x02, 0x03, 0x05);
        assertThat(tlvs.get(0x02)).isEqualTo(TestTls.RAW);
        // the connection id, as in the access log: "<node prefix>-<sequence>"
        assertThat(tlvs.get(0x05)).matches("[0-9a-zA-Z]+-\\d+");
        assertThat(tlvs.get(0x03)).hasSize(4);
      } finally {
        msg.release();
      }
      assertThat(crc32cHolds(Arrays.copyOf(all, headerLength))).isTrue();
    }
  }

  @Test
  void noHeaderWhenTheRouteHasItOff() throws Exception {
    byte[] hello = ClientHellos.jdk(TestTls.MYAPP, "TLSv1.2");
    try (Socket client = Clients.connect("::1", node.port("::1", 443))) {
      Recorded seen = next(plainCapture, () -> {
        client.getOutputStream().write(hello);
        client.getOutputStream().flush();
      });
      Await.until("the hello", () -> seen.size() >= hello.length, () -> seen.size() + " bytes");
      assertThat(seen.bytes()[0]).isEqualTo((byte) 0x16);
      assertThat(seen.bytes()).isEqualTo(hello);
    }
  }

  @ParameterizedTest(name = "client over {0}")
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void vertxBackendReportsTheRealClient(String host) throws Exception {
    int port = node.port(host, 443);
    try (SSLSocket tls = TestTls.connect(host, port, TestTls.TENANT_B, "TLSv1.3")) {
      String body = TestTls.body(TestTls.httpGet(tls, TestTls.TENANT_B, "/"));
      Matcher m = VERTX_LINE.matcher(body);
      assertThat(m.matches()).as(body).isTrue();
      assertThat(InetAddress.getByName(m.group(1))).isEqualTo(tls.getLocalAddress());
      assertThat(Integer.parseInt(m.group(2))).isEqualTo(tls.getLocalPort());
      assertThat(m.group(3)).isEqualTo(TestTls.TENANT_B);
      assertThat(InetAddress.getByName(m.group(4))).isEqualTo(InetAddress.getByName(host));
      assertThat(Integer.parseInt(m.group(5))).isEqualTo(port);
    }
  }

  @Test
  void nginxReportsTheRealClientOverIpv4AndIpv6() throws Exception {
    try (NginxBackend nginx = NginxBackend.start(TestTls.TENANT_A, TestTls.TENANT_A);
        TestNode n = TestNode.start(spec().ipv6("::1").ipv4("127.0.0.1")
            .route(RouteJson.tls("nginx", TestTls.TENANT_A, TestNode.hostPort("127.0.0.1", nginx.port()))
                .proxyV2().env("e4")))) {
      for (String host : new String[] {"127.0.0.1", "::1"}) {
        try (SSLSocket tls = TestTls.connect(host, n.port(host, 443), TestTls.TENANT_A, "TLSv1.2")) {
          assertThat(TestTls.peerCommonName(tls)).isEqualTo(TestTls.TENANT_A);
          String body = TestTls.body(TestTls.httpGet(tls, TestTls.TENANT_A, "/"));
          Matcher m = NGINX_LINE.matcher(body);
          assertThat(m.matches()).as(body).isTrue();
          assertThat(InetAddress.getByName(m.group(1))).as(host).isEqualTo(tls.getLocalAddress());
          assertThat(Integer.parseInt(m.group(2))).isEqualTo(tls.getLocalPort());
        }
      }
    }
  }

  // ---- helpers

  interface IoAction {
    void run() throws Exception;
  }

  /** Runs {@code action} and returns the backend connection it caused. */
  private static Recorded next(RawServer backend, IoAction action) throws Exception {
    int before = backend.connections().size();
    action.run();
    return connectionAfter(backend, before);
  }

  /** The first backend connection after the {@code before} it had. */
  private static Recorded connectionAfter(RawServer backend, int before) {
    Await.until("a backend connection", () -> backend.connections().size() > before);
    return backend.connections().get(before);
  }

  private static void write(Socket s, String text) throws Exception {
    s.getOutputStream().write(Clients.ascii(text));
    s.getOutputStream().flush();
  }

  /**
   * The header the spec asks for, built from the client socket: src = its local address, dst = the address and
   * port it connected to. Written out field by field, independently of the code under test.
   */
  private static byte[] header(Socket client) {
    byte[] src = client.getLocalAddress().getAddress();
    byte[] dst = client.getInetAddress().getAddress();
    boolean v4 = src.length == 4;
    ByteBuffer b = ByteBuffer.allocate(v4 ? 28 : 52);
    b.put(SIGNATURE).put((byte) 0x21).put((byte) (v4 ? 0x11 : 0x21)).putShort((short) (v4 ? 12 : 36));
    b.put(src).put(dst).putShort((short) client.getLocalPort()).putShort((short) client.getPort());
    return b.array();
  }

  private static int headerLength(byte[] bytes) {
    return ((bytes[14] & 0xff) << 8) | (bytes[15] & 0xff);
  }

  private static HAProxyMessage decode(byte[] header) {
    EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
    ByteBuf in = Unpooled.wrappedBuffer(header);
    ch.writeInbound(in);
    HAProxyMessage msg = ch.readInbound();
    ch.finishAndReleaseAll();
    assertThat(msg).as("Netty decoded a PROXY v2 header").isNotNull();
    return msg;
  }

  /** Section 2.2.3: CRC-32C over the whole header with the checksum value zeroed equals the value sent. */
  private static boolean crc32cHolds(byte[] header) {
    int at = 16 + (header[13] == 0x11 ? 12 : 36);
    while (at < header.length) {
      int type = header[at] & 0xff;
      int len = ((header[at + 1] & 0xff) << 8) | (header[at + 2] & 0xff);
      if (type == 0x03) {
        byte[] copy = header.clone();
        int sent = ByteBuffer.wrap(header, at + 3, 4).getInt();
        Arrays.fill(copy, at + 3, at + 7, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(copy);
        return (int) crc.getValue() == sent;
      }
      at += 3 + len;
    }
    return false;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
