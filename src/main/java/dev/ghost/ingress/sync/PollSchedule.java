package dev.ghost.ingress.sync;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When the next poll runs: the poll interval, at once when the last read stopped at its byte budget, stretched
 * while the stream delivers (polls then only heal gaps), and capped exponential backoff with jitter after
 * failures. Apart from the verticle so the delay rules sit in one place with their counters. Used on the sync
 * verticle's event loop only.
 */
final class PollSchedule {

  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  /** While the stream delivers, polls run no more often than this. */
  private static final long STREAMING_MIN_MS = 5_000;

  private final long baseMs;
  private int failures;
  /** The last poll stopped at its byte budget: read on at once. */
  private boolean behind;

  /** @param baseMs {@code control_plane.poll_interval} in milliseconds */
  PollSchedule(long baseMs) {
    this.baseMs = baseMs;
  }

  /** Whether the last read stopped at its byte budget (so the next poll runs at once). */
  void behind(boolean behind) {
    this.behind = behind;
  }

  /** True while polls fail (the last one failed). */
  boolean failing() {
    return failures > 0;
  }

  /** The delay before the next poll after one that {@code ok}; {@code streaming} while a stream is open. */
  long next(boolean ok, boolean streaming) {
    if (ok) {
      failures = 0;
      if (behind) {
        return 0; // the read stopped at its byte budget: the rest is read at once, not a poll interval later
      }
      return streaming ? Math.max(baseMs, STREAMING_MIN_MS) : baseMs;
    }
    failures++;
    return backoff(baseMs, failures);
  }

  /** {@code baseMs} doubled per failure up to 30 s, then a random half of it off (jitter). */
  static long backoff(long baseMs, int failures) {
    long capped = Math.min(MAX_BACKOFF.toMillis(), baseMs << Math.min(failures, 16));
    return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
  }
}
