package dev.ghost.ingress.sni;

import static dev.ghost.ingress.testing.ClientHellos.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-written hex hellos, one per outcome, readable without running anything. Each is also fed in two reads and
 * byte by byte.
 */
class NamedHelloCasesTest {

  private static final String RANDOM = "00".repeat(32);

  /** ClientHello for "example.com", TLS 1.3 cipher suite, one extension. */
  static final String VALID_SNI = ""
      + "16 0301 0043"                  // record: handshake, TLS 1.0 record version, 67 bytes
      + "01 00003f"                     // handshake: ClientHello, 63 bytes
      + "0303" + RANDOM                 // legacy_version, random
      + "00"                            // legacy_session_id: empty
      + "0002 1301"                     // cipher_suites: TLS_AES_128_GCM_SHA256
      + "01 00"                         // compression_methods: null
      + "0014"                          // extensions: 20 bytes
      + "0000 0010"                     //   server_name, 16 bytes
      + "000e 00 000b"                  //     server_name_list 14 bytes: host_name, 11 bytes
      + "6578616d706c652e636f6d";       //     "example.com"

  /** ClientHello with only ec_point_formats. */
  static final String NO_SNI = ""
      + "16 0303 0035"                  // record: 53 bytes
      + "01 000031"                     // ClientHello, 49 bytes
      + "0303" + RANDOM + "00 0002 c02f 01 00"
      + "0006"                          // extensions: 6 bytes
      + "000b 0002 0100";               //   ec_point_formats: uncompressed

  /** "GET / HTTP/1.1\r\n". */
  static final String NOT_TLS = "474554202f20485454502f312e310d0a";

  /** The headers announce a 16 384-byte handshake: over an 8 KiB cap from the ninth byte on. */
  static final String TOO_LARGE = "16 0301 4000 01 003ffc 0303";

  /** The ClientHello for "example.com" cut after the random. */
  static final String TRUNCATED = "16 0301 0043 01 00003f 0303" + RANDOM;

  /** An SSLv2-compatible hello header: the high bit of the first byte is set. */
  static final String SSLV2 = "80 2e 01 0301 0015 0000 0010";

  /** ClientHello for "foo_bar.com": underscore is not a host name character. */
  static final String UNDERSCORE = ""
      + "16 0301 0043 01 00003f 0303" + RANDOM + "00 0002 1301 01 00"
      + "0014 0000 0010 000e 00 000b"
      + "666f6f5f6261722e636f6d";       // "foo_bar.com"

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("valid_sni", VALID_SNI, new SniResult.Found("example.com", false)),
        Arguments.of("no_sni", NO_SNI, new SniResult.NoSni()),
        Arguments.of("not_tls", NOT_TLS, new SniResult.NotTls()),
        Arguments.of("too_large", TOO_LARGE, new SniResult.TooLarge()),
        Arguments.of("truncated", TRUNCATED, new SniResult.NeedMore(true)),
        Arguments.of("sslv2", SSLV2, new SniResult.NotTls()),
        Arguments.of("underscore", UNDERSCORE, new SniResult.Malformed("invalid host name")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void namedCase(String name, String hex, SniResult expected) {
    byte[] bytes = hex(hex);

    assertThat(ClientHelloParser.parse(bytes, bytes.length, 8192)).as(name).isEqualTo(expected);
    assertThat(Feeding.feedAllWays(bytes, 8192).result()).as(name).isEqualTo(expected);
  }
}
