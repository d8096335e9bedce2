package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ghost.ingress.config.IngressConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins what {@link WatchedTransport} relies on below Vert.x's public API: Vert.x tells NIO from native by the class
 * of the transport it runs on, so the watched NIO transport must still be taken for NIO, and the watched native one
 * for native. A Vert.x upgrade that changes this fails here rather than in a node's log or its event loops.
 */
class WatchedTransportTest {

  private static final ClusterTrust TRUST = ClusterTrust.ofSecret(
      "watched-secret-watched-secret-watched-0123456789".getBytes(StandardCharsets.UTF_8));

  @Test
  void theWatchedNioTransportIsStillNio() {
    VertxOptions options = securedEventBus().setPreferNativeTransport(false);
    Vertx vertx = Vertx.builder().with(options).withTransport(WatchedTransport.forEventBus(options, TRUST)).build();
    try {
      assertThat(vertx.isNativeTransportEnabled()).isFalse();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void theWatchedNativeTransportIsStillNative() {
    Transport nativeTransport = Transport.nativeTransport();
    assumeTrue(nativeTransport != null && nativeTransport.available(), "no native transport on this machine");
    VertxOptions options = securedEventBus().setPreferNativeTransport(true);
    Vertx vertx = Vertx.builder().with(options).withTransport(WatchedTransport.forEventBus(options, TRUST)).build();
    try {
      assertThat(vertx.isNativeTransportEnabled()).isTrue();
    } finally {
      vertx.close().await();
    }
  }

  /** Options whose event bus is secured as a clustered node's is; nothing is bound or joined here. */
  private static VertxOptions securedEventBus() {
    ClusterPlan plan = ClusterPlan.of(new IngressConfig.Cluster(List.of("127.0.0.1"), "127.0.0.1", 0, "watched", 0),
        "watched");
    return new VertxOptions().setEventBusOptions(plan.eventBusOptions(TRUST));
  }
}
