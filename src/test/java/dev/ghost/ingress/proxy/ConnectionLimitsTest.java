package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void globalLimitRefusesAndReleaseFreesTheSlot() throws Exception {
    ConnectionLimits limits = new ConnectionLimits(2, 0, 0);
    assertThat(limits.acquireClient(ip("192.0.2.1"))).isNull();
    assertThat(limits.acquireClient(ip("192.0.2.2"))).isNull();
    assertThat(limits.acquireClient(ip("192.0.2.3"))).isEqualTo(CloseReason.LIMIT_GLOBAL);
    limits.releaseClient(ip("192.0.2.1"));
    assertThat(limits.acquireClient(ip("192.0.2.3"))).isNull();
    assertThat(limits.open()).isEqualTo(2);
  }

  @Test
  void perIpLimitCountsEachAddressAndGivesTheGlobalSlotBack() throws Exception {
    ConnectionLimits limits = new ConnectionLimits(10, 1, 0);
    assertThat(limits.acquireClient(ip("2001:db8::1"))).isNull();
    assertThat(limits.acquireClient(ip("2001:db8::1"))).isEqualTo(CloseReason.LIMIT_CLIENT_IP);
    assertThat(limits.acquireClient(ip("2001:db8::2"))).isNull();
    assertThat(limits.open()).isEqualTo(2);
    limits.releaseClient(ip("2001:db8::1"));
    assertThat(limits.acquireClient(ip("2001:db8::1"))).isNull();
  }

  @Test
  void routeLimitPrefersTheRoutesOwnCapOverTheDefault() {
    ConnectionLimits limits = new ConnectionLimits(10, 0, 1);
    assertThat(limits.acquireRoute("a", 0)).isTrue();
    assertThat(limits.acquireRoute("a", 0)).isFalse();
    assertThat(limits.acquireRoute("b", 2)).isTrue();
    assertThat(limits.acquireRoute("b", 2)).isTrue();
    assertThat(limits.acquireRoute("b", 2)).isFalse();
    limits.releaseRoute("b");
    assertThat(limits.routeOpen("b")).isEqualTo(1);
  }

  @Test
  void unlimitedRoutesStillCountOpenConnections() {
    ConnectionLimits limits = new ConnectionLimits(10, 0, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(limits.acquireRoute("r", 0)).isTrue();
    }
    assertThat(limits.routeOpen("r")).isEqualTo(5);
  }

  @Test
  void defaultGlobalCapLeavesRoomForTwoSocketsPerConnection() {
    assertThat(ConnectionLimits.fromOpenFileLimit(1_048_576)).isEqualTo((1_048_576 - 256) / 2);
    assertThat(ConnectionLimits.fromOpenFileLimit(100)).isEqualTo(128);
  }
}
