package dev.ghost.ingress.eligibility;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A nanosecond clock that only moves when told to; starts near overflow to prove difference-only comparisons. */
final class FakeClock implements LongSupplier {

  private long now = Long.MAX_VALUE - Duration.ofSeconds(10).toNanos();

  @Override
  public long getAsLong() {
    return now;
  }

  void advance(Duration d) {
    now += d.toNanos();
  }
}
