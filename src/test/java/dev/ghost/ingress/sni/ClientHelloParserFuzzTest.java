package dev.ghost.ingress.sni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.ClientHellos;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Fuzzes the ClientHello parser, the first thing that reads what any client on the internet sends: arbitrary bytes,
 * and real hellos (OpenSSL's, headless Chromium's post-quantum one, the JDK's) re-framed into random records and
 * then mutated. Whatever it is fed, it answers with one of the sealed results, never throws, decides on a prefix
 * only what it decides on the whole, and never reads past the length or the cap it is given. Tries: 10 000 per
 * property by default ({@code junit-platform.properties}), 1 000 000 with {@code mvn verify -Pfuzz}.
 */
class ClientHelloParserFuzzTest {

  private static final int CAP = 16 * 1024;

  private static final List<byte[]> REAL = List.of(
      fixture("app1-openssl.bin"),
      fixture("app2-chromium.bin"),
      ClientHellos.jdk("fuzz.example.com", "TLSv1.3"),
      ClientHellos.jdk("fuzz.example.com", "TLSv1.2"));

  private static byte[] fixture(String name) {
    try {
      return Files.readAllBytes(Path.of("bench/fixtures", name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Property
  void arbitraryBytesEndInASealedResult(@ForAll @Size(max = 4096) byte[] bytes,
      @ForAll @IntRange(min = 1, max = 20_000) int cap) {
    assertThat(ClientHelloParser.parse(bytes, bytes.length, cap)).isNotNull();
  }

  @Property
  void bytesThatStartLikeAHandshakeEndInASealedResult(@ForAll @Size(max = 4096) byte[] tail,
      @ForAll @IntRange(min = 0, max = 0xffff) int recordLength) {
    byte[] bytes = new byte[5 + tail.length];
    bytes[0] = 0x16;
    bytes[1] = 0x03;
    bytes[2] = 0x01;
    bytes[3] = (byte) (recordLength >> 8);
    bytes[4] = (byte) recordLength;
    System.arraycopy(tail, 0, bytes, 5, tail.length);
    assertThat(ClientHelloParser.parse(bytes, bytes.length, CAP)).isNotNull();
  }

  @Property
  void reframedRealHellosFindTheirName(@ForAll("real") byte[] hello, @ForAll @IntRange(min = 1, max = 600) int fragment) {
    SniResult whole = ClientHelloParser.parse(hello, hello.length, CAP);
    byte[] reframed = ClientHellos.reframe(hello, fragment);
    assertThat(whole).isInstanceOf(SniResult.Found.class);
    assertThat(ClientHelloParser.parse(reframed, reframed.length, CAP)).isEqualTo(whole);
  }

  @Property
  void mutatedHellosEndInASealedResult(@ForAll("mutated") byte[] bytes) {
    assertThat(ClientHelloParser.parse(bytes, bytes.length, CAP)).isNotNull();
  }

  /** The connection parses each longer prefix as bytes arrive and acts on the first final answer. */
  @Property
  void aPrefixDecidesOnlyWhatTheWholeDecides(@ForAll("mutated") byte[] bytes, @ForAll @IntRange(min = 0) int cut) {
    int length = cut % (bytes.length + 1);
    SniResult prefix = ClientHelloParser.parse(bytes, length, CAP);
    if (!(prefix instanceof SniResult.NeedMore)) {
      assertThat(prefix).isEqualTo(ClientHelloParser.parse(bytes, bytes.length, CAP));
    }
  }

  @Property
  void bytesPastTheLengthAreNeverRead(@ForAll("mutated") byte[] bytes, @ForAll @IntRange(min = 0) int cut,
      @ForAll long seed) {
    int length = cut % (bytes.length + 1);
    assertThat(ClientHelloParser.parse(scribbledFrom(bytes, length, seed), length, CAP))
        .isEqualTo(ClientHelloParser.parse(scribbledFrom(bytes, length, ~seed), length, CAP));
  }

  @Property
  void bytesPastTheCapAreNeverRead(@ForAll("mutated") byte[] bytes, @ForAll @IntRange(min = 1, max = 4096) int cap,
      @ForAll long seed) {
    int from = Math.min(cap, bytes.length);
    assertThat(ClientHelloParser.parse(scribbledFrom(bytes, from, seed), bytes.length, cap))
        .isEqualTo(ClientHelloParser.parse(scribbledFrom(bytes, from, ~seed), bytes.length, cap));
  }

  /** A copy of {@code bytes} with everything from {@code from} on overwritten at random. */
  private static byte[] scribbledFrom(byte[] bytes, int from, long seed) {
    byte[] copy = bytes.clone();
    byte[] noise = new byte[copy.length - from];
    new Random(seed).nextBytes(noise);
    System.arraycopy(noise, 0, copy, from, noise.length);
    return copy;
  }

  @Provide
  Arbitrary<byte[]> real() {
    return Arbitraries.of(REAL);
  }

  /** A real hello, re-framed into records of a random size, then changed by one to four mutations. */
  @Provide
  Arbitrary<byte[]> mutated() {
    Arbitrary<byte[]> framed = Combinators.combine(real(), Arbitraries.integers().between(1, 2048))
        .as(ClientHellos::reframe);
    return Combinators.combine(framed, mutation().list().ofMinSize(1).ofMaxSize(4))
        .as((hello, mutations) -> {
          byte[] b = hello;
          for (Mutation m : mutations) {
            b = m.apply(b);
          }
          return b;
        });
  }

  private Arbitrary<Mutation> mutation() {
    return Combinators.combine(Arbitraries.of(Kind.values()), Arbitraries.doubles().between(0, 1),
        Arbitraries.integers()).as(Mutation::new);
  }

  private enum Kind { FLIP, SET_LENGTH, TRUNCATE, INSERT, DUPLICATE }

  /** One change at a relative position: flip bits, overwrite a 16-bit length, cut, insert or repeat bytes. */
  private record Mutation(Kind kind, double where, int value) {
    byte[] apply(byte[] b) {
      if (b.length == 0) {
        return b;
      }
      int at = (int) (where * (b.length - 1));
      return switch (kind) {
        case FLIP -> {
          byte[] c = b.clone();
          c[at] ^= (byte) (value | 1);
          yield c;
        }
        case SET_LENGTH -> {
          byte[] c = b.clone();
          c[at] = (byte) (value >> 8);
          if (at + 1 < c.length) {
            c[at + 1] = (byte) value;
          }
          yield c;
        }
        case TRUNCATE -> Arrays.copyOf(b, at);
        case INSERT -> {
          byte[] noise = new byte[1 + Math.floorMod(value, 64)];
          new Random(value).nextBytes(noise);
          yield splice(b, at, noise);
        }
        case DUPLICATE -> splice(b, at, Arrays.copyOfRange(b, at, Math.min(b.length, at + 1 + Math.floorMod(value, 300))));
      };
    }

    private static byte[] splice(byte[] b, int at, byte[] inserted) {
      byte[] c = new byte[b.length + inserted.length];
      System.arraycopy(b, 0, c, 0, at);
      System.arraycopy(inserted, 0, c, at, inserted.length);
      System.arraycopy(b, at, c, at + inserted.length, b.length - at);
      return c;
    }
  }
}
