package dev.ghost.ingress.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.KeyManagementException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * ClientHello fixtures: real ones from the JDK's {@link SSLEngine}, synthetic ones from {@link Builder} for what the
 * JDK will not send (padding, ECH, invalid names), and helpers to re-frame a hello into several records.
 */
public final class ClientHellos {

  public static final int RECORD_HEADER = 5;
  public static final int HANDSHAKE_HEADER = 4;
  public static final int MAX_FRAGMENT = 1 << 14;

  private ClientHellos() {
  }

  /**
   * The first flight of a real JDK client: one {@code wrap()} of an empty buffer in client mode.
   *
   * @param host     the SNI, or null for a hello without server_name; the JDK rejects trailing dots and
   *                 underscores itself
   * @param protocol {@code "TLSv1.2"} or {@code "TLSv1.3"}
   */
  public static byte[] jdk(String host, String protocol) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, null, null);
      SSLEngine engine = host == null ? context.createSSLEngine() : context.createSSLEngine(host, 443);
      engine.setUseClientMode(true);
      SSLParameters params = engine.getSSLParameters();
      params.setServerNames(host == null ? List.of() : List.of(new SNIHostName(host)));
      params.setProtocols(new String[] {protocol});
      engine.setSSLParameters(params);
      ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
      engine.wrap(ByteBuffer.allocate(0), out);
      out.flip();
      byte[] bytes = new byte[out.remaining()];
      out.get(bytes);
      return bytes;
    } catch (NoSuchAlgorithmException | KeyManagementException | SSLException e) {
      throw new IllegalStateException("JDK could not produce a ClientHello", e);
    }
  }

  /** A synthetic TLS 1.2-style hello builder; see {@link Builder}. */
  public static Builder synthetic() {
    return new Builder();
  }

  /** A hello with a hand-made ClientHello body: handshake header (type 1, the body's length) in one record. */
  public static byte[] withBody(byte[] body) {
    byte[] header = {1, (byte) (body.length >> 16), (byte) (body.length >> 8), (byte) body.length};
    return frame(concat(header, body), MAX_FRAGMENT, 1);
  }

  /** Decodes hex, ignoring whitespace. */
  public static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
  }

  /** The handshake bytes carried by a run of handshake records (headers stripped, fragments concatenated). */
  public static byte[] handshakeOf(byte[] records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int pos = 0;
    while (pos < records.length) {
      if (records[pos] != 22) {
        throw new IllegalArgumentException("not a handshake record at " + pos);
      }
      int len = u16(records, pos + 3);
      out.write(records, pos + RECORD_HEADER, len);
      pos += RECORD_HEADER + len;
    }
    return out.toByteArray();
  }

  /** Re-frames the handshake bytes of {@code records} into handshake records of at most {@code fragment} bytes. */
  public static byte[] reframe(byte[] records, int fragment) {
    return frame(handshakeOf(records), fragment, records[2]);
  }

  /** The records of {@code records} split into individual record byte arrays. */
  public static List<byte[]> splitRecords(byte[] records) {
    List<byte[]> out = new ArrayList<>();
    int pos = 0;
    while (pos < records.length) {
      int end = pos + RECORD_HEADER + u16(records, pos + 3);
      out.add(Arrays.copyOfRange(records, pos, end));
      pos = end;
    }
    return out;
  }

  /** Frames handshake bytes into type-22 records, version 0x03{@code minor}, at most {@code fragment} bytes each. */
  public static byte[] frame(byte[] handshake, int fragment, int minor) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int pos = 0; pos < handshake.length; pos += fragment) {
      int len = Math.min(fragment, handshake.length - pos);
      out.write(22);
      out.write(3);
      out.write(minor);
      out.write(len >> 8);
      out.write(len);
      out.write(handshake, pos, len);
    }
    return out.toByteArray();
  }

  /** Concatenates byte arrays. */
  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static int u16(byte[] b, int i) {
    return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
  }

  /**
   * Builds a plausible ClientHello: legacy_version 0x0303, zero random, a 32-byte session id, two cipher suites,
   * null compression, then the chosen extensions in order. Framed in records of at most 2^14 bytes.
   */
  public static final class Builder {

    private final List<byte[]> extensions = new ArrayList<>();
    private int paddedTo = -1;
    private boolean noExtensionsBlock;

    private Builder() {
    }

    /** Adds a server_name extension with one host_name entry holding {@code host} as ISO-8859-1 bytes. */
    public Builder sni(String host) {
      return sniBytes(host.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Adds a server_name extension with one host_name entry holding the raw bytes. */
    public Builder sniBytes(byte[] host) {
      return serverNameList(nameEntry(0, host));
    }

    /** Adds a server_name extension with the given ServerName entries (see {@link #nameEntry}). */
    public Builder serverNameList(byte[]... entries) {
      byte[] list = concat(entries);
      return extension(0, concat(u16Bytes(list.length), list));
    }

    /** One ServerName entry: name_type, then a 2-byte length and the name. */
    public static byte[] nameEntry(int nameType, byte[] name) {
      return concat(new byte[] {(byte) nameType}, u16Bytes(name.length), name);
    }

    /** Adds an encrypted_client_hello (0xfe0d) extension with an outer-hello-shaped dummy payload. */
    public Builder ech() {
      // ECHClientHello outer: type 0, kdf/aead ids, config_id, enc<0..2^16-1>, payload<1..2^16-1>; contents opaque here.
      byte[] body = concat(hex("00 0001 0001 2a"), u16Bytes(32), new byte[32], u16Bytes(64), new byte[64]);
      return extension(0xfe0d, body);
    }

    /** Adds supported_versions (43) offering TLS 1.3 and 1.2, as a TLS 1.3 client would. */
    public Builder supportedVersions() {
      return extension(43, hex("04 0304 0303"));
    }

    /** Adds an arbitrary extension. */
    public Builder extension(int type, byte[] data) {
      extensions.add(concat(u16Bytes(type), u16Bytes(data.length), data));
      return this;
    }

    /** Appends a padding extension (21, RFC 7685) so that the framed hello is exactly {@code totalBytes} long. */
    public Builder paddedTo(int totalBytes) {
      this.paddedTo = totalBytes;
      return this;
    }

    /** Ends the hello after compression_methods, as SSLv3/TLS 1.0 clients may (extensions set here are ignored). */
    public Builder withoutExtensionsBlock() {
      this.noExtensionsBlock = true;
      return this;
    }

    /** The handshake message: type 1, 3-byte length, ClientHello body. */
    public byte[] handshake() {
      byte[] body = body(extensionBytes());
      if (paddedTo >= 0) {
        int handshakeBytes = handshakeLengthFor(paddedTo);
        int pad = handshakeBytes - HANDSHAKE_HEADER - body.length - 4;
        if (pad < 0) {
          throw new IllegalArgumentException("hello is already larger than " + paddedTo);
        }
        body = body(concat(extensionBytes(), u16Bytes(21), u16Bytes(pad), new byte[pad]));
      }
      return concat(new byte[] {1, (byte) (body.length >> 16), (byte) (body.length >> 8), (byte) body.length}, body);
    }

    /** The handshake message framed in records of at most 2^14 bytes, record version 0x0301. */
    public byte[] build() {
      return frame(handshake(), MAX_FRAGMENT, 1);
    }

    /** The handshake length whose framing in 2^14-byte records is exactly {@code total} bytes. */
    private static int handshakeLengthFor(int total) {
      for (int records = 1; ; records++) {
        int handshake = total - records * RECORD_HEADER;
        if ((handshake + MAX_FRAGMENT - 1) / MAX_FRAGMENT <= records) {
          return handshake;
        }
      }
    }

    private byte[] extensionBytes() {
      return concat(extensions.toArray(new byte[0][]));
    }

    private byte[] body(byte[] extensionBlock) {
      byte[] fixed = concat(
          hex("0303"), new byte[32],               // legacy_version, random
          new byte[] {32}, new byte[32],          // legacy_session_id<0..32>
          hex("0004 1301 c02f"),                  // cipher_suites
          hex("01 00"));                          // compression_methods: null
      if (noExtensionsBlock) {
        return fixed;
      }
      return concat(fixed, u16Bytes(extensionBlock.length), extensionBlock);
    }

    private static byte[] u16Bytes(int v) {
      return new byte[] {(byte) (v >> 8), (byte) v};
    }
  }
}
