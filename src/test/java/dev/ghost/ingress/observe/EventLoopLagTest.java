package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventLoopLagTest {

  private Vertx vertx;
  private EventLoopLag lag;
  private SimpleMeterRegistry registry;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    registry = new SimpleMeterRegistry();
    lag = EventLoopLag.start(((VertxInternal) vertx).eventLoopGroup(), registry);
  }

  @AfterEach
  void stop() {
    lag.close();
    vertx.close().await();
  }

  @Test
  void aTaskHoldingAnEventLoopIsCountedAsAStallOfAtLeastItsLengthMinusATick() {
    long holdNanos = EventLoopLag.STALL.toNanos() * 4;
    vertx.runOnContext(v -> {
      long end = System.nanoTime() + holdNanos;
      while (System.nanoTime() < end) {
        Thread.onSpinWait(); // the work a stall is made of
      }
    });
    Await.until("the stall counted", () -> lag.stalls() >= 1, () -> "stalls " + lag.stalls());
    assertThat(lag.maxLagNanos()).isGreaterThanOrEqualTo(holdNanos - EventLoopLag.TICK.toNanos());
    assertThat(registry.get(MetricNames.EVENT_LOOP_STALLS).functionCounter().count()).isGreaterThanOrEqualTo(1);
    assertThat(registry.get(MetricNames.EVENT_LOOP_LAG_MAX).gauge().value())
        .isGreaterThanOrEqualTo((holdNanos - EventLoopLag.TICK.toNanos()) / 1e9);
  }

  @Test
  void closingStopsTheSampling() {
    lag.close();
    long before = lag.stalls();
    Context loop = vertx.getOrCreateContext();
    Promise<Void> held = Promise.promise();
    loop.runOnContext(v -> {
      long end = System.nanoTime() + EventLoopLag.STALL.toNanos() * 3;
      while (System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      held.complete();
    });
    held.future().await();
    // A sampling task still armed would be due now and run before this one
    Promise<Void> after = Promise.promise();
    loop.runOnContext(v -> after.complete());
    after.future().await();
    assertThat(lag.stalls()).isEqualTo(before);
  }
}
