package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ghost.ingress.testing.FuzzValues;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzes the config file path the way start-up and a reload take it: bytes through the TOML reader, then the
 * document through validation. Arbitrary bytes and the shipped example configs with bytes flipped, cut, dropped or
 * repeated either become a config or fail with a syntax error or a {@link ConfigException} (exit 2, one line), never
 * anything else. Tries and generation as in {@code ClientHelloParserFuzzTest}.
 */
class ConfigFileFuzzTest {

  private static final List<byte[]> SHIPPED = List.of(read("conf/example.toml"), read("conf/dev.toml"),
      read("conf/dev-synced.toml"), read("src/main/resources/default.toml"));

  private static byte[] read(String path) {
    try {
      return Files.readAllBytes(Path.of(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Property
  void arbitraryBytesAreAConfigOrOneClearError(@ForAll("bytes") byte[] bytes) {
    assertLoadsOrFailsClearly(bytes);
  }

  @Property
  void mutatedShippedConfigsAreAConfigOrOneClearError(@ForAll("mutatedConfigs") byte[] bytes) {
    assertLoadsOrFailsClearly(bytes);
  }

  private static void assertLoadsOrFailsClearly(byte[] bytes) {
    JsonObject parsed;
    try {
      parsed = TomlConfigProcessor.parse(bytes);
    } catch (IOException syntax) {
      // reported as "cannot read" with the parser's message: fine
      return;
    }
    Throwable t = catchThrowable(() -> ConfigLoader.fromJson(parsed, Map.of(), "fuzz.toml", () -> "fuzz-host"));
    if (t != null) {
      assertThat(t).isInstanceOf(ConfigException.class);
      assertThat(t.getMessage()).isNotBlank().doesNotContain("\n");
    }
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return FuzzValues.bytes(2048);
  }

  @Provide
  Arbitrary<byte[]> mutatedConfigs() {
    return FuzzValues.from(r -> mutate(FuzzValues.pick(r, SHIPPED), 1 + r.nextInt(4), r.nextLong()));
  }

  /** Flips, cuts, drops or repeats a few bytes (lines stay mostly intact, so validation is reached). */
  private static byte[] mutate(byte[] text, int count, long seed) {
    Random r = new Random(seed);
    byte[] b = text;
    for (int i = 0; i < count && b.length > 0; i++) {
      int at = r.nextInt(b.length);
      int len = 1 + r.nextInt(Math.min(40, b.length - at));
      b = switch (r.nextInt(4)) {
        case 0 -> {
          byte[] c = b.clone();
          c[at] = (byte) "0123456789=\"[]{}.,-x \n#'".charAt(r.nextInt(24));
          yield c;
        }
        case 1 -> Arrays.copyOf(b, at);
        case 2 -> concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + len, b.length));
        default -> concat(Arrays.copyOf(b, at + len), Arrays.copyOfRange(b, at, b.length));
      };
    }
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
