package dev.ghost.ingress.sni;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SniHostNameTest {

  @ParameterizedTest
  @CsvSource({
      "example.com,         example.com",
      "EXAMPLE.Com,         example.com",
      "example.coM,         example.com",
      "app.Example.com.,    app.example.com",
      "example.com.,        example.com",
      "a,                   a",
      "xn--bcher-kva.ch,    xn--bcher-kva.ch",
      "1password.com,       1password.com",
      "a-b.c-d.example,     a-b.c-d.example",
      "123.example.com,     123.example.com",
  })
  void normalisesValidNames(String raw, String expected) {
    assertThat(SniHostName.normalize(raw)).isEqualTo(expected);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {
      ".", "..", "example.com..", ".example.com", "a..b", "foo_bar.com", "-a.com", "a-.com", "caf\u00e9.com",
      "a b.com", "a*b.com", "*.example.com", "1.2.3.4", "10.0.0.1.", "3232235777", "::1", "[::1]", "a.123"})
  void rejectsInvalidNames(String raw) {
    assertThat(SniHostName.normalize(raw)).isNull();
  }

  /** RFC 1035 §2.3.4 limits: 63 per label, 253 in total (without the trailing dot, which is stripped first). */
  @ParameterizedTest
  @ValueSource(ints = {63, 64})
  void limitsLabelLength(int length) {
    String name = "a".repeat(length) + ".com";

    assertThat(SniHostName.normalize(name)).isEqualTo(length <= 63 ? name : null);
  }

  @ParameterizedTest
  @ValueSource(ints = {253, 254})
  void limitsNameLength(int length) {
    String name = longName(length);

    assertThat(SniHostName.normalize(name)).isEqualTo(length <= 253 ? name : null);
    assertThat(SniHostName.normalize(name + ".")).isEqualTo(length <= 253 ? name : null);
  }

  /** Labels of 61 'a' plus a dot, cut to {@code length}, ending in a letter. */
  private static String longName(int length) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < length) {
      sb.append(sb.length() % 62 == 61 ? '.' : 'a');
    }
    return sb.toString();
  }
}
