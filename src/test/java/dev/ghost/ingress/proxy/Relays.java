package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.MetricNames;
import dev.ghost.ingress.testing.TestNode;

/** The two relays in tests: which transport setting selects each, and proof from the metrics of which one ran. */
final class Relays {

  /** Native epoll: bytes move by splice(2). */
  static final String SPLICE = SpliceRelay.KIND;
  /** NIO: bytes move through the JVM. */
  static final String BUFFERED = NettyRelay.KIND;
  /** The setting that selects the relay. */
  static final String SETTING = "proxy.native_transport";

  private Relays() {}

  /** The value of {@link #SETTING} that makes new connections use {@code relay}. */
  static boolean nativeTransport(String relay) {
    return relay.equals(SPLICE);
  }

  /** Every relay the node started was {@code relay}, and there was at least one. */
  static void assertOnlyUsed(TestNode node, String relay) {
    String other = relay.equals(SPLICE) ? BUFFERED : SPLICE;
    assertThat(relays(node, relay)).as("relays of kind " + relay).isPositive();
    assertThat(relays(node, other)).as("relays of kind " + other).isZero();
  }

  private static double relays(TestNode node, String kind) {
    return node.node().services().metrics().count(MetricNames.RELAYS, "relay", kind);
  }
}
