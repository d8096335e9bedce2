package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} = {1} ms")
  @CsvSource({
      "0, 0",
      "0ms, 0",
      "0s, 0",
      "200ms, 200",
      "5s, 5000",
      "30s, 30000",
      "2m, 120000",
      "1h, 3600000",
      "007s, 7000",
      "300s, 300000",
  })
  void parsesTheGrammar(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest(name = "''{0}'' is refused")
  @ValueSource(strings = {"", "5", "s", "5 s", " 5s", "5s ", "5 seconds", "-5s", "+5s", "1.5s", "5S", "5MS", "5d",
      "1m30s", "5us", "00", "0x10s", "ms5"})
  void refusesEverythingElseWithTheGrammarAsReason(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected <integer><unit> with unit ms|s|m|h, got '" + text + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"99999999999999999999s", "9223372036854775807h"})
  void refusesOverflow(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("too large");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "200ms", "5s", "2m", "1h", "1500ms", "90s"})
  void formatRoundTrips(String text) {
    assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
  }
}
