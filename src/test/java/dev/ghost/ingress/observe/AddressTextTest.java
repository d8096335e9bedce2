package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressTextTest {

  @Test
  void ipv6IsShortAndBracketed() throws Exception {
    assertThat(AddressText.of(new InetSocketAddress(InetAddress.getByName("0:0:0:0:0:0:0:1"), 44514)))
        .isEqualTo("[::1]:44514");
    assertThat(AddressText.of(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:1:0:0:1"), 443)))
        .isEqualTo("[2001:db8::1:0:0:1]:443");
  }

  @Test
  void ipv4IsDotted() throws Exception {
    assertThat(AddressText.of(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 443)))
        .isEqualTo("192.0.2.1:443");
  }

  @Test
  void vertxAddressesTheSameWay() {
    assertThat(AddressText.of(SocketAddress.inetSocketAddress(44514, "0:0:0:0:0:0:0:1"))).isEqualTo("[::1]:44514");
    assertThat(AddressText.of(SocketAddress.inetSocketAddress(9901, "127.0.0.1"))).isEqualTo("127.0.0.1:9901");
    assertThat(AddressText.of((SocketAddress) null)).isNull();
  }

  @Test
  void unresolvedKeepsItsName() {
    assertThat(AddressText.of(InetSocketAddress.createUnresolved("cp.example", 8080))).isEqualTo("cp.example:8080");
  }
}
