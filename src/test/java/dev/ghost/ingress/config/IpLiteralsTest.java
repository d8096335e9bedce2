package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one IP-literal helper: what is a literal, how it is written, and that nothing is ever looked up. */
class IpLiteralsTest {

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "127.0.0.1", "255.255.255.255", "10.0.0.010"})
  void dottedQuadsAreIpv4(String text) {
    assertThat(IpLiterals.isIpv4(text)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4 ", " 1.2.3.4", "1..3.4", "1.2.3.",
      "0001.2.3.4", "a.b.c.d", "::1", "localhost", "1.2.3.4/32"})
  void anythingElseIsNot(String text) {
    assertThat(IpLiterals.isIpv4(text)).isFalse();
    assertThat(IpLiterals.ipv4(text)).isNull();
  }

  @Test
  void ipv4GivesTheAddress() throws Exception {
    assertThat(IpLiterals.ipv4("192.0.2.7")).isEqualTo(InetAddress.getByName("192.0.2.7"));
    assertThat(IpLiterals.isIpv4(null)).isFalse();
  }

  @Test
  void ipv6IsWrittenTheRfc5952Way() {
    assertThat(IpLiterals.canonicalIpv6("FD5A:0001:0002:0001:0000:0000:0000:0007")).isEqualTo("fd5a:1:2:1::7");
    assertThat(IpLiterals.canonicalIpv6("2001:db8:0:1:1:1:1:1")).as("one zero group stays").isEqualTo(
        "2001:db8:0:1:1:1:1:1");
    assertThat(IpLiterals.canonicalIpv6("2001:0:0:1:0:0:0:1")).as("the longest run").isEqualTo("2001:0:0:1::1");
    assertThat(IpLiterals.canonicalIpv6("::ffff:a00:1")).as("mapped, mixed notation").isEqualTo("::ffff:10.0.0.1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"fe80::1%eth0", "example.com", "10.0.0.1", "::g", "1:2:3:4:5:6:7:8:9"})
  void notIpv6LiteralsAreRefusedWithoutALookup(String text) {
    assertThat(IpLiterals.canonicalIpv6(text)).isNull();
  }

  @Test
  void addressTakesEitherFamilysLiteral() throws Exception {
    assertThat(IpLiterals.address("192.0.2.7")).isEqualTo(InetAddress.getByName("192.0.2.7"));
    assertThat(IpLiterals.address("2001:db8::1")).isEqualTo(InetAddress.getByName("2001:db8::1"));
    assertThat(IpLiterals.address("::1")).isEqualTo(InetAddress.getByName("::1"));
    assertThat(IpLiterals.address("[::1]")).isEqualTo(InetAddress.getByName("::1"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "example.com", "localhost", "256.0.0.1", "1.2.3", "::g", "1.2.3.4:80"})
  void addressIsNullForAnythingButALiteral(String text) {
    assertThat(IpLiterals.address(text)).isNull();
    assertThat(IpLiterals.address(null)).isNull();
  }

  @Test
  void mappedAddressesUnwrapToIpv4AndOthersStay() throws Exception {
    assertThat(IpLiterals.unwrapMapped(InetAddress.getByName("::ffff:192.0.2.1")))
        .isEqualTo(InetAddress.getByName("192.0.2.1"));
    InetAddress v6 = InetAddress.getByName("2001:db8::1");
    assertThat(IpLiterals.unwrapMapped(v6)).isSameAs(v6);
  }

  @Test
  void hostPortBracketsIpv6Only() {
    assertThat(IpLiterals.hostPort("::1", 443)).isEqualTo("[::1]:443");
    assertThat(IpLiterals.hostPort("127.0.0.1", 443)).isEqualTo("127.0.0.1:443");
    assertThat(IpLiterals.hostPort("example.com", 8443)).isEqualTo("example.com:8443");
    assertThat(IpLiterals.bracketed("fd00::5")).isEqualTo("[fd00::5]");
    assertThat(IpLiterals.bracketed("10.0.0.5")).isEqualTo("10.0.0.5");
  }
}
