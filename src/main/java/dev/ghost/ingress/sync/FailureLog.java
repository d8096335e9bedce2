package dev.ghost.ingress.sync;

import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one log line of a sync failure, said at most once per {@link SyncFailure} kind per interval: the first
 * failure of a kind is logged at once (count 1); later ones within the interval are only counted, and said by one
 * line with their {@code count} when the interval has passed ({@link #flush()} or the next failure of that kind).
 * A control plane failing thousands of requests a second thus costs a handful of lines, not a full disk; the
 * metric still counts every failure. Used on the sync verticle's event loop only.
 */
final class FailureLog {

  private static final Logger LOG = LoggerFactory.getLogger(SyncVerticle.class);
  /** The log line's message; tools and tests look for it. */
  static final String MESSAGE = "control-plane sync failed; serving the last good table";

  private final long intervalMs;
  private final LongSupplier clockMs;
  private final Map<SyncFailure, Window> windows = new EnumMap<>(SyncFailure.class);

  /** Failures of one kind since its last line. */
  private static final class Window {
    long openedAt;
    int unsaid;
    String what;
    SyncException last;

    Window(long openedAt) {
      this.openedAt = openedAt;
    }
  }

  /**
   * @param intervalMs at most one line per kind per this many milliseconds (plus the first)
   * @param clockMs    milliseconds, monotonic
   */
  FailureLog(long intervalMs, LongSupplier clockMs) {
    this.intervalMs = intervalMs;
    this.clockMs = clockMs;
  }

  /** One failure of {@code what}: logged now, or counted into the next line of its kind. */
  void report(String what, SyncException e) {
    long now = clockMs.getAsLong();
    Window w = windows.get(e.failure());
    if (w != null && now - w.openedAt < intervalMs) {
      w.unsaid++;
      w.what = what;
      w.last = e;
      return;
    }
    int count = w == null ? 1 : w.unsaid + 1;
    windows.put(e.failure(), new Window(now));
    log(what, e, count);
  }

  /** Says the failures counted in every interval that has passed; forgets kinds that stayed quiet. */
  void flush() {
    long now = clockMs.getAsLong();
    for (Iterator<Map.Entry<SyncFailure, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
      Window w = it.next().getValue();
      if (now - w.openedAt < intervalMs) {
        continue;
      }
      if (w.unsaid == 0) {
        it.remove(); // quiet for a whole interval: the next failure of this kind is said at once
        continue;
      }
      log(w.what, w.last, w.unsaid);
      w.openedAt = now;
      w.unsaid = 0;
    }
  }

  private void log(String what, SyncException e, int count) {
    LOG.atWarn().addKeyValue("kind", e.failure().label()).addKeyValue("what", what)
        .addKeyValue("request_id", e.requestId()).addKeyValue("detail", e.getMessage())
        .addKeyValue("count", count).addKeyValue("interval_ms", intervalMs)
        .log(MESSAGE);
  }
}
