package dev.ghost.ingress.sni;

import static dev.ghost.ingress.testing.ClientHellos.concat;
import static dev.ghost.ingress.testing.ClientHellos.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.sni.Feeding.Outcome;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.ClientHellos.Builder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientHelloParserTest {

  private static final int DEFAULT_CAP = 8192;
  private static final int PQ_CAP = 16384;

  // ---- Found ------------------------------------------------------------------------------------------------

  /** A real JDK hello, TLS 1.2 and 1.3, decided exactly when its last byte arrives. */
  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
  void findsSniInRealJdkHello(String protocol) {
    byte[] hello = ClientHellos.jdk("api.example.com", protocol);

    assertFound(hello, DEFAULT_CAP, "api.example.com", false);
  }

  /** SNI is compared case-insensitively, so it is lower-cased once here. */
  @Test
  void lowerCasesUpperCaseSni() {
    assertFound(ClientHellos.jdk("WWW.Example.COM", "TLSv1.3"), DEFAULT_CAP, "www.example.com", false);
  }

  /** One trailing dot (a fully qualified name) is stripped; the JDK will not send it, so the hello is synthetic. */
  @Test
  void stripsOneTrailingDot() {
    assertFound(ClientHellos.synthetic().sni("Example.com.").build(), DEFAULT_CAP, "example.com", false);
  }

  /** RFC 8446 §5.1: a handshake message may be fragmented over several records, down to one byte each. */
  @ParameterizedTest
  @ValueSource(ints = {1, 3, 100, 256})
  void reassemblesHelloAcrossRecords(int fragment) {
    byte[] hello = ClientHellos.reframe(ClientHellos.jdk("multi.example.com", "TLSv1.3"), fragment);
    assertThat(ClientHellos.splitRecords(hello).size()).isGreaterThan(1);

    assertFound(hello, PQ_CAP, "multi.example.com", false);
  }

  /** A 2 KB hello, the size of a post-quantum key share (X25519MLKEM768), in one record and in 100-byte records. */
  @Test
  void findsSniInPostQuantumSizedHello() {
    byte[] hello = ClientHellos.synthetic().sni("pq.example.com").supportedVersions().paddedTo(2048).build();
    assertThat(hello).hasSize(2048);

    assertFound(hello, DEFAULT_CAP, "pq.example.com", false);
    assertFound(ClientHellos.reframe(hello, 100), DEFAULT_CAP, "pq.example.com", false);
  }

  /**
   * The bench's captures, byte for byte what real clients sent: headless Chromium's post-quantum hello (1 927 bytes,
   * GREASE and an X25519MLKEM768 key share) and OpenSSL's; whole, re-framed into 100-byte records, split in two and
   * byte by byte. Chromium sends a GREASE encrypted_client_hello extension, so its hello reads as an ECH outer one.
   */
  @ParameterizedTest
  @CsvSource({"app2-chromium.bin, app2.bench.internal, true", "app1-openssl.bin, app1.bench.internal, false"})
  void findsSniInCapturedBrowserAndOpenSslHellos(String file, String sni, boolean echOuter) throws Exception {
    byte[] hello = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("bench/fixtures", file));

    assertFound(hello, DEFAULT_CAP, sni, echOuter);
    assertFound(ClientHellos.reframe(hello, 100), DEFAULT_CAP, sni, echOuter);
  }

  /** An 8 KB+ hello fits a 16 KiB cap. */
  @Test
  void findsSniInLargeHelloUnderLargeCap() {
    byte[] hello = ClientHellos.synthetic().sni("big.example.com").paddedTo(9000).build();
    assertThat(hello).hasSize(9000);

    assertFound(hello, PQ_CAP, "big.example.com", false);
  }

  /** A handshake message over 2^14 bytes must span two records; the parser joins them. */
  @Test
  void findsSniInHelloLargerThanOneRecord() {
    byte[] hello = ClientHellos.synthetic().sni("huge.example.com").paddedTo(20000).build();
    assertThat(ClientHellos.splitRecords(hello)).hasSize(2);

    assertFound(hello, 32768, "huge.example.com", false);
  }

  /** The cap is inclusive: a hello of exactly maxBytes is found, one byte less cap is too large. */
  @Test
  void capIsInclusive() {
    byte[] hello = ClientHellos.jdk("edge.example.com", "TLSv1.3");

    assertFound(hello, hello.length, "edge.example.com", false);
    assertThat(Feeding.feedAllWays(hello, hello.length - 1).result()).isEqualTo(new SniResult.TooLarge());
  }

  /** An ECH ClientHelloOuter: the SNI is the public name and is flagged as such. */
  @Test
  void flagsEchOuterHello() {
    byte[] hello = ClientHellos.synthetic().supportedVersions().sni("public.example.net").ech().build();

    assertFound(hello, DEFAULT_CAP, "public.example.net", true);
  }

  /** The order of extensions does not matter, ECH before SNI included. */
  @Test
  void flagsEchWhenItPrecedesSni() {
    byte[] hello = ClientHellos.synthetic().ech().sni("public.example.net").build();

    assertFound(hello, DEFAULT_CAP, "public.example.net", true);
  }

  /** Unknown ServerName types are skipped by their 16-bit length (RFC 6066 §3). */
  @Test
  void skipsUnknownNameTypes() {
    byte[] hello = ClientHellos.synthetic().serverNameList(
        Builder.nameEntry(7, "ignored".getBytes(StandardCharsets.US_ASCII)),
        Builder.nameEntry(0, "real.example.com".getBytes(StandardCharsets.US_ASCII))).build();

    assertFound(hello, DEFAULT_CAP, "real.example.com", false);
  }

  /** Bytes after the hello (TLS 1.3 early data, say) do not change the result, which comes at the hello's end. */
  @Test
  void ignoresBytesAfterTheHello() {
    byte[] hello = ClientHellos.jdk("early.example.com", "TLSv1.3");
    byte[] withEarlyData = concat(hello, hex("17 0303 0004 deadbeef"));

    Outcome outcome = Feeding.feedAllWays(withEarlyData, DEFAULT_CAP);
    assertThat(outcome.result()).isEqualTo(new SniResult.Found("early.example.com", false));
    assertThat(outcome.decidedAt()).isEqualTo(hello.length);
  }

  // ---- NeedMore, NotTls, TooLarge ---------------------------------------------------------------------------

  @Test
  void emptyInputNeedsMoreWithoutRecord() {
    assertThat(ClientHelloParser.parse(new byte[0], 0, DEFAULT_CAP)).isEqualTo(new SniResult.NeedMore(false));
    assertThat(ClientHelloParser.parse(hex("16"), 1, DEFAULT_CAP)).isEqualTo(new SniResult.NeedMore(true));
  }

  /** Every proper prefix of a hello needs more, whatever the framing. */
  @Test
  void truncatedHelloNeedsMore() {
    byte[] hello = ClientHellos.reframe(ClientHellos.jdk("cut.example.com", "TLSv1.2"), 100);
    byte[] truncated = Arrays.copyOf(hello, hello.length - 1);

    Outcome outcome = Feeding.feedAllWays(truncated, DEFAULT_CAP);
    assertThat(outcome.result()).isEqualTo(new SniResult.NeedMore(true));
    assertThat(outcome.decidedAt()).isEqualTo(-1);
  }

  /** Plain text is not TLS, known from the first byte. */
  @Test
  void plainHttpIsNotTls() {
    byte[] http = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    assertNotTlsAt(http, 1);
  }

  /** An SSLv2-style hello (high bit set, two-byte length) is not a TLS record. */
  @Test
  void sslv2HelloIsNotTls() {
    assertNotTlsAt(hex("80 2e 01 0301 0015 0000 0010"), 1);
  }

  /** First byte 22 but record major version 2 is not TLS either, known from the second byte. */
  @Test
  void wrongMajorVersionIsNotTls() {
    assertNotTlsAt(hex("16 02 00 00 10 01"), 2);
  }

  /** 9 000 bytes do not fit 8 KiB: known as soon as the record and handshake headers arrive. */
  @Test
  void largeHelloOverCapIsTooLargeEarly() {
    byte[] hello = ClientHellos.synthetic().sni("big.example.com").paddedTo(9000).build();

    Outcome outcome = Feeding.feedAllWays(hello, DEFAULT_CAP);
    assertThat(outcome.result()).isEqualTo(new SniResult.TooLarge());
    assertThat(outcome.decidedAt()).isEqualTo(9);
  }

  /** Over the cap in small records: the headers of records not yet seen count too. */
  @Test
  void fragmentedHelloCountsRecordHeadersAgainstCap() {
    byte[] hello = ClientHellos.reframe(ClientHellos.synthetic().sni("a.example.com").paddedTo(2048).build(), 10);
    int handshakeBytes = ClientHellos.handshakeOf(hello).length;

    assertThat(Feeding.feedAllWays(hello, hello.length).result()).isInstanceOf(SniResult.Found.class);
    assertThat(Feeding.feedAllWays(hello, hello.length - 1).result()).isEqualTo(new SniResult.TooLarge());
    assertThat(handshakeBytes).isLessThan(hello.length - 1);
  }

  /** If the cap fills before the handshake length is even known, that is too large as well. */
  @Test
  void capReachedWithoutCompletionIsTooLarge() {
    byte[] hello = ClientHellos.jdk("x.example.com", "TLSv1.3");

    assertThat(ClientHelloParser.parse(hello, 3, 3)).isEqualTo(new SniResult.TooLarge());
    assertThat(ClientHelloParser.parse(hello, 2, 3)).isEqualTo(new SniResult.NeedMore(true));
  }

  // ---- NoSni ------------------------------------------------------------------------------------------------

  @Test
  void realHelloWithoutSniHasNoSni() {
    assertNoSni(ClientHellos.jdk(null, "TLSv1.3"));
  }

  @Test
  void syntheticHelloWithoutSniHasNoSni() {
    assertNoSni(ClientHellos.synthetic().supportedVersions().build());
  }

  /** SSLv3 / TLS 1.0 hellos may stop after compression_methods (RFC 5246 §7.4.1.2). */
  @Test
  void helloWithoutExtensionsBlockHasNoSni() {
    assertNoSni(ClientHellos.synthetic().withoutExtensionsBlock().build());
  }

  /** RFC 5246 allows an empty extensions block. */
  @Test
  void helloWithEmptyExtensionsBlockHasNoSni() {
    assertNoSni(ClientHellos.synthetic().build());
  }

  // ---- Malformed --------------------------------------------------------------------------------------------

  /** Host names that are not valid DNS names are malformed, never "no SNI". */
  @ParameterizedTest
  @ValueSource(strings = {
      "foo_bar.example.com", "a..example.com", "-lead.example.com", "trail-.example.com", ".example.com",
      "example.com..", "caf\u00e9.example", "1.2.3.4", "10.0.0.1.", "[::1]", "::1", "exa mple.com", "a\u0000b.com",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com"})
  void rejectsInvalidHostNames(String host) {
    assertMalformed(ClientHellos.synthetic().sni(host).build(), "invalid host name");
  }

  @Test
  void rejectsEmptyHostName() {
    assertMalformed(ClientHellos.synthetic().sni("").build(), "empty host name");
  }

  @Test
  void rejectsServerNameListWithoutHostName() {
    byte[] hello = ClientHellos.synthetic().serverNameList(Builder.nameEntry(1, new byte[] {1, 2})).build();

    assertMalformed(hello, "no host_name");
  }

  @Test
  void rejectsTwoHostNamesInOneList() {
    byte[] a = "a.example.com".getBytes(StandardCharsets.US_ASCII);
    byte[] b = "b.example.com".getBytes(StandardCharsets.US_ASCII);
    byte[] hello = ClientHellos.synthetic().serverNameList(Builder.nameEntry(0, a), Builder.nameEntry(0, b)).build();

    assertMalformed(hello, "more than one host_name");
  }

  @Test
  void rejectsDuplicateServerNameExtension() {
    byte[] hello = ClientHellos.synthetic().sni("a.example.com").sni("b.example.com").build();

    assertMalformed(hello, "duplicate server_name");
  }

  @Test
  void rejectsEmptyServerNameExtension() {
    assertMalformed(ClientHellos.synthetic().extension(0, new byte[0]).build(), "server_name_list");
  }

  @Test
  void rejectsEmptyServerNameList() {
    assertMalformed(ClientHellos.synthetic().extension(0, hex("0000")).build(), "server_name_list is empty");
  }

  /** An alert between two fragments of the hello (RFC 8446 §5.1: no interleaving inside a handshake message). */
  @ParameterizedTest
  @ValueSource(strings = {"15 0303 0002 0228", "14 0303 0001 01", "17 0303 0001 00"})
  void rejectsOtherRecordInterleavedBeforeHelloCompletes(String interloper) {
    List<byte[]> records = ClientHellos.splitRecords(
        ClientHellos.reframe(ClientHellos.jdk("a.example.com", "TLSv1.3"), 100));
    byte[] rest = concat(records.subList(1, records.size()).toArray(new byte[0][]));
    byte[] stream = concat(records.get(0), hex(interloper), rest);

    Outcome outcome = assertMalformed(stream, "before the ClientHello was complete");
    assertThat(outcome.decidedAt()).isEqualTo(records.get(0).length + 1);
  }

  @Test
  void rejectsBadVersionInLaterRecord() {
    byte[] hello = ClientHellos.reframe(ClientHellos.jdk("a.example.com", "TLSv1.3"), 100);
    hello[105 + 1] = 2;

    assertMalformed(hello, "record version major is not 3");
  }

  @Test
  void rejectsZeroLengthRecord() {
    assertMalformed(hex("16 0301 0000"), "zero-length");
  }

  @Test
  void rejectsRecordLongerThan2To14() {
    assertMalformed(hex("16 0301 4001 01"), "exceeds 2^14");
  }

  /** The first handshake message of a client must be ClientHello, not ServerHello (2). */
  @Test
  void rejectsOtherHandshakeType() {
    assertMalformed(hex("16 0303 0004 02 000000"), "not ClientHello");
  }

  @Test
  void rejectsOversizedSessionId() {
    byte[] body = concat(hex("0303"), new byte[32], new byte[] {33}, new byte[33], hex("0002 1301 0100"));

    assertMalformed(ClientHellos.withBody(body), "legacy_session_id");
  }

  @Test
  void rejectsOddCipherSuitesLength() {
    byte[] body = concat(hex("0303"), new byte[32], hex("00 0003 130113 0100"));

    assertMalformed(ClientHellos.withBody(body), "cipher_suites");
  }

  @Test
  void rejectsEmptyCompressionMethods() {
    byte[] body = concat(hex("0303"), new byte[32], hex("00 0002 1301 00"));

    assertMalformed(ClientHellos.withBody(body), "compression_methods is empty");
  }

  /** A vector length pointing past the end of the message. */
  @Test
  void rejectsCipherSuitesOverrunningHello() {
    byte[] body = concat(hex("0303"), new byte[32], hex("00 00ff 1301"));

    assertMalformed(ClientHellos.withBody(body), "cipher_suites overruns");
  }

  @Test
  void rejectsTruncatedRandom() {
    assertMalformed(ClientHellos.withBody(concat(hex("0303"), new byte[10])), "random truncated");
  }

  @Test
  void rejectsBadLegacyVersion() {
    byte[] body = concat(hex("0203"), new byte[32], hex("00 0002 1301 0100"));

    assertMalformed(ClientHellos.withBody(body), "legacy_version");
  }

  @Test
  void rejectsExtensionOverrunningExtensionsBlock() {
    byte[] body = concat(hex("0303"), new byte[32], hex("00 0002 1301 0100"), hex("0006 0000 0010 0000"));

    assertMalformed(ClientHellos.withBody(body), "extension 0 overruns");
  }

  @Test
  void rejectsExtensionsBlockOverrunningHello() {
    byte[] body = concat(hex("0303"), new byte[32], hex("00 0002 1301 0100"), hex("0010 000b 0002 0100"));

    assertMalformed(ClientHellos.withBody(body), "extensions overruns");
  }

  @Test
  void rejectsBytesAfterExtensions() {
    byte[] body = concat(hex("0303"), new byte[32], hex("00 0002 1301 0100"), hex("0000 ff"));

    assertMalformed(ClientHellos.withBody(body), "after the extensions");
  }

  @Test
  void rejectsHostNameOverrunningList() {
    byte[] hello = ClientHellos.synthetic().extension(0, hex("0006 00 0009 616263")).build();

    assertMalformed(hello, "server name overruns");
  }

  // ---- Argument checks --------------------------------------------------------------------------------------

  @Test
  void rejectsLengthBeyondArray() {
    assertThatThrownBy(() -> ClientHelloParser.parse(new byte[4], 5, DEFAULT_CAP))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> ClientHelloParser.parse(new byte[4], 4, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  private static void assertFound(byte[] hello, int maxBytes, String host, boolean echOuter) {
    Outcome outcome = Feeding.feedAllWays(hello, maxBytes);
    assertThat(outcome.result()).isEqualTo(new SniResult.Found(host, echOuter));
    assertThat(outcome.decidedAt()).as("decided when the last byte arrives").isEqualTo(hello.length);
  }

  private static void assertNoSni(byte[] hello) {
    Outcome outcome = Feeding.feedAllWays(hello, DEFAULT_CAP);
    assertThat(outcome.result()).isEqualTo(new SniResult.NoSni());
    assertThat(outcome.decidedAt()).isEqualTo(hello.length);
  }

  private static void assertNotTlsAt(byte[] input, int decidedAt) {
    Outcome outcome = Feeding.feedAllWays(input, DEFAULT_CAP);
    assertThat(outcome.result()).isEqualTo(new SniResult.NotTls());
    assertThat(outcome.decidedAt()).isEqualTo(decidedAt);
  }

  private static Outcome assertMalformed(byte[] input, String reasonPart) {
    Outcome outcome = Feeding.feedAllWays(input, DEFAULT_CAP);
    assertThat(outcome.result()).isInstanceOf(SniResult.Malformed.class);
    assertThat(((SniResult.Malformed) outcome.result()).reason()).contains(reasonPart);
    return outcome;
  }
}
