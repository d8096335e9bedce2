package dev.ghost.ingress.route;

import static dev.ghost.ingress.route.HostNames.normalizeRouteHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostNamesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "Bücher.example, xn--bcher-kva.example",
      "BÜCHER.EXAMPLE, xn--bcher-kva.example",
      "MyApp.Example.COM, myapp.example.com",
      "myapp.example.com., myapp.example.com",
      "xn--bcher-kva.example, xn--bcher-kva.example",
      "localhost, localhost",
      "a-b.c1.example, a-b.c1.example",
      "1password.com, 1password.com",
  })
  void normalisesToLowerCaseALabels(String in, String out) {
    assertThat(normalizeRouteHost(in)).isEqualTo(out);
  }

  @Test
  void aNameAlreadyInNormalFormIsKeptAsIs() {
    // the table shares the control plane's string instead of a copy per route
    String name = "r00000001.e000000.scale.test";
    assertThat(normalizeRouteHost(name)).isSameAs(name);
    assertThat(normalizeRouteHost(name + ".")).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"straße.example", "ς.example", "a\u200Cb.example", "a\u200Db.example"})
  void rejectsIdna2008DeviationCharactersInsteadOfMappingThem(String in) {
    assertThatThrownBy(() -> normalizeRouteHost(in))
        .isInstanceOf(InvalidHostNameException.class)
        .hasMessageContaining("IDNA2003 and IDNA2008 map differently");
  }

  @ParameterizedTest
  @ValueSource(strings = {"*.example.com", "*", "a.*.example"})
  void rejectsWildcards(String in) {
    assertThatThrownBy(() -> normalizeRouteHost(in))
        .isInstanceOf(InvalidHostNameException.class)
        .hasMessageContaining("wildcard");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", ".", "example.com..", "a..b", "-a.example", "a-.example", "exa_mple.com",
      "a b.example", "1.2.3.4", "127.1", "::1", "[::1]", "example.123"})
  void rejectsInvalidNames(String in) {
    assertThatThrownBy(() -> normalizeRouteHost(in)).isInstanceOf(InvalidHostNameException.class);
  }

  @Test
  void enforcesLabelAndNameLength() {
    String label63 = "a".repeat(63);
    assertThat(normalizeRouteHost(label63 + ".example")).isEqualTo(label63 + ".example");
    assertThatThrownBy(() -> normalizeRouteHost("a".repeat(64) + ".example"))
        .hasMessageContaining("too long");
    String name253 = String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61));
    assertThat(name253).hasSize(253);
    assertThat(normalizeRouteHost(name253)).isEqualTo(name253);
    assertThat(normalizeRouteHost(name253 + ".")).isEqualTo(name253);
    assertThatThrownBy(() -> normalizeRouteHost(name253 + "d")).hasMessageContaining("longer than 253");
  }

  @Test
  void nullIsRejected() {
    assertThatThrownBy(() -> normalizeRouteHost(null)).isInstanceOf(InvalidHostNameException.class)
        .hasMessageContaining("empty");
  }
}
