package dev.ghost.ingress.sni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.FuzzValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzzes the ClientHello parser, the first thing that reads what any client on the internet sends: arbitrary bytes,
 * and real hellos (OpenSSL's, headless Chromium's post-quantum one, the JDK's) re-framed into random records and
 * then mutated. Whatever it is fed, it answers with one of the sealed results, never throws, decides on a prefix
 * only what it decides on the whole, and never reads past the length or the cap it is given. Tries: 10 000 per
 * property by default ({@code junit-platform.properties}), 1 000 000 with {@code mvn verify -Pfuzz}; inputs come
 * from {@link FuzzValues} (plain functions of the seed, so a million cost seconds, not jqwik's shrinkable trees).
 */
class ClientHelloParserFuzzTest {

  private static final int CAP = 16 * 1024;
  private static final List<Kind> KINDS = List.of(Kind.values());

  private static final List<byte[]> REAL = List.of(
      fixture("app1-openssl.bin"),
      fixture("app2-chromium.bin"),
      ClientHellos.jdk("fuzz.example.com", "TLSv1.3"),
      ClientHellos.jdk("fuzz.example.com", "TLSv1.2"));

  /** Real hellos re-framed, by hello index * 4096 + fragment size: re-framing them anew each try took a quarter. */
  private static final Map<Integer, byte[]> REFRAMED = new ConcurrentHashMap<>();

  private static byte[] fixture(String name) {
    try {
      return Files.readAllBytes(Path.of("bench/fixtures", name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Property
  void arbitraryBytesEndInASealedResult(@ForAll("bytes") byte[] bytes, @ForAll("caps") int cap) {
    assertThat(ClientHelloParser.parse(bytes, bytes.length, cap)).isNotNull();
  }

  @Property
  void bytesThatStartLikeAHandshakeEndInASealedResult(@ForAll("bytes") byte[] tail,
      @ForAll("recordLengths") int recordLength) {
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
  void aPrefixDecidesOnlyWhatTheWholeDecides(@ForAll("mutated") byte[] bytes, @ForAll("cuts") int cut) {
    int length = cut % (bytes.length + 1);
    SniResult prefix = ClientHelloParser.parse(bytes, length, CAP);
    if (!(prefix instanceof SniResult.NeedMore)) {
      assertThat(prefix).isEqualTo(ClientHelloParser.parse(bytes, bytes.length, CAP));
    }
  }

  @Property
  void bytesPastTheLengthAreNeverRead(@ForAll("mutated") byte[] bytes, @ForAll("cuts") int cut,
      @ForAll("seeds") long seed) {
    int length = cut % (bytes.length + 1);
    assertThat(ClientHelloParser.parse(scribbledFrom(bytes, length, seed), length, CAP))
        .isEqualTo(ClientHelloParser.parse(scribbledFrom(bytes, length, ~seed), length, CAP));
  }

  @Property
  void bytesPastTheCapAreNeverRead(@ForAll("mutated") byte[] bytes, @ForAll("smallCaps") int cap,
      @ForAll("seeds") long seed) {
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

  @Provide
  Arbitrary<byte[]> bytes() {
    return FuzzValues.bytes(4096);
  }

  @Provide
  Arbitrary<Integer> caps() {
    return FuzzValues.from(r -> FuzzValues.between(r, 1, 20_000));
  }

  @Provide
  Arbitrary<Integer> smallCaps() {
    return FuzzValues.from(r -> FuzzValues.between(r, 1, 4096));
  }

  @Provide
  Arbitrary<Integer> recordLengths() {
    return FuzzValues.from(r -> FuzzValues.between(r, 0, 0xffff));
  }

  @Provide
  Arbitrary<Integer> cuts() {
    return FuzzValues.from(r -> FuzzValues.between(r, 0, Integer.MAX_VALUE));
  }

  @Provide
  Arbitrary<Long> seeds() {
    return FuzzValues.from(Random::nextLong);
  }

  /** A real hello, re-framed into records of a random size, then changed by one to four mutations. */
  @Provide
  Arbitrary<byte[]> mutated() {
    return FuzzValues.from(r -> {
      byte[] b = REFRAMED.computeIfAbsent(r.nextInt(REAL.size()) * 4096 + FuzzValues.between(r, 1, 2048),
          key -> ClientHellos.reframe(REAL.get(key / 4096), key % 4096));
      for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
        b = new Mutation(FuzzValues.pick(r, KINDS), r.nextDouble(), r.nextInt()).apply(b);
      }
      return b;
    });
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
