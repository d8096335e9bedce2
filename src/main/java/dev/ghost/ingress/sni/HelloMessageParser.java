package dev.ghost.ingress.sni;

/**
 * Parses the body of one complete, reassembled ClientHello handshake message (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2)
 * and extracts the server_name (RFC 6066 §3) and whether an encrypted_client_hello extension is present.
 *
 * <pre>
 * struct {
 *     ProtocolVersion legacy_version;                      2 bytes, 0x03xx
 *     Random random;                                       32 bytes
 *     opaque legacy_session_id&lt;0..32&gt;;                    1-byte length
 *     CipherSuite cipher_suites&lt;2..2^16-2&gt;;               2-byte length, 2 bytes per suite
 *     opaque legacy_compression_methods&lt;1..2^8-1&gt;;        1-byte length
 *     Extension extensions&lt;8..2^16-1&gt;;                   2-byte length; absent in SSLv3/TLS 1.0 hellos
 * } ClientHello;
 *
 * struct {
 *     ExtensionType extension_type;                        2 bytes
 *     opaque extension_data&lt;0..2^16-1&gt;;                   2-byte length
 * } Extension;
 * </pre>
 */
final class HelloMessageParser {

  /** RFC 6066 §3. */
  static final int EXT_SERVER_NAME = 0;
  /** draft-ietf-tls-esni: encrypted_client_hello; in a ClientHelloOuter it marks the SNI as the public name. */
  static final int EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d;
  /** RFC 6066 §3: NameType host_name. */
  static final int NAME_TYPE_HOST_NAME = 0;

  private static final int RANDOM_LENGTH = 32;
  private static final int MAX_SESSION_ID = 32;
  private static final SniResult NO_SNI = new SniResult.NoSni();

  private HelloMessageParser() {
  }

  /** Parses {@code buf[offset..offset+length)}, the ClientHello body without its 4-byte handshake header. */
  static SniResult parse(byte[] buf, int offset, int length) {
    try {
      ByteReader hello = new ByteReader(buf, offset, length);
      skipFixedFields(hello);
      if (!hello.hasRemaining()) {
        // RFC 5246 §7.4.1.2: a hello may end after compression_methods (SSLv3, TLS 1.0 clients): no extensions.
        return NO_SNI;
      }
      ByteReader extensions = hello.vector16("extensions");
      if (hello.hasRemaining()) {
        throw new MalformedHelloException("bytes after the extensions block");
      }
      // The extensions block may be empty: RFC 8446 says <8..2^16-1>, but RFC 5246 allows <0..2^16-1> and a
      // TLS 1.2 client sending an empty block is legal. It simply has no SNI.
      return readExtensions(extensions);
    } catch (MalformedHelloException e) {
      return new SniResult.Malformed(e.getMessage());
    }
  }

  /** legacy_version, random, legacy_session_id, cipher_suites and compression_methods: checked, then skipped. */
  private static void skipFixedFields(ByteReader hello) {
    if (hello.u8("legacy_version") != 3) {
      throw new MalformedHelloException("legacy_version major is not 3");
    }
    hello.skip(1, "legacy_version");
    hello.skip(RANDOM_LENGTH, "random");
    if (hello.vector8("legacy_session_id").remaining() > MAX_SESSION_ID) {
      throw new MalformedHelloException("legacy_session_id longer than 32 bytes");
    }
    int suites = hello.vector16("cipher_suites").remaining();
    if (suites < 2 || suites % 2 != 0) {
      throw new MalformedHelloException("cipher_suites length " + suites + " is not a non-zero even number");
    }
    if (!hello.vector8("compression_methods").hasRemaining()) {
      throw new MalformedHelloException("compression_methods is empty");
    }
  }

  private static SniResult readExtensions(ByteReader extensions) {
    String host = null;
    boolean ech = false;
    while (extensions.hasRemaining()) {
      int type = extensions.u16("extension_type");
      ByteReader data = extensions.vector16("extension", type);
      if (type == EXT_SERVER_NAME) {
        if (host != null) {
          // RFC 8446 §4.2: no two extensions of the same type; for SNI it would also make routing ambiguous.
          throw new MalformedHelloException("duplicate server_name extension");
        }
        host = readServerNameList(data);
      } else if (type == EXT_ENCRYPTED_CLIENT_HELLO) {
        ech = true;
      }
      // Every other extension is irrelevant for routing and skipped.
    }
    return host == null ? NO_SNI : new SniResult.Found(host, ech);
  }

  /**
   * RFC 6066 §3.
   * <pre>
   * struct {
   *     NameType name_type;                                1 byte, host_name(0)
   *     select (name_type) {
   *         case host_name: HostName;                      opaque HostName&lt;1..2^16-1&gt;
   *     } name;
   * } ServerName;
   *
   * struct {
   *     ServerName server_name_list&lt;1..2^16-1&gt;            2-byte length
   * } ServerNameList;
   * </pre>
   */
  private static String readServerNameList(ByteReader data) {
    ByteReader list = data.vector16("server_name_list");
    if (data.hasRemaining()) {
      throw new MalformedHelloException("bytes after server_name_list");
    }
    if (!list.hasRemaining()) {
      throw new MalformedHelloException("server_name_list is empty");
    }
    String host = null;
    while (list.hasRemaining()) {
      int nameType = list.u8("name_type");
      // RFC 6066 §3: every name type, known or future, starts with a 16-bit length, so unknown ones can be skipped.
      ByteReader name = list.vector16("server name");
      if (nameType != NAME_TYPE_HOST_NAME) {
        continue;
      }
      if (host != null) {
        // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same name_type."
        throw new MalformedHelloException("more than one host_name in server_name_list");
      }
      host = readHostName(name);
    }
    if (host == null) {
      throw new MalformedHelloException("server_name_list has no host_name entry");
    }
    return host;
  }

  private static String readHostName(ByteReader name) {
    if (!name.hasRemaining()) {
      // HostName<1..2^16-1>: an empty name is a length violation, not a missing SNI.
      throw new MalformedHelloException("empty host name");
    }
    String normalized = SniHostName.normalize(name.latin1());
    if (normalized == null) {
      throw new MalformedHelloException("invalid host name");
    }
    return normalized;
  }
}
