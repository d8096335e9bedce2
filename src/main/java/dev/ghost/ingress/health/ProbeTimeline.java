package dev.ghost.ingress.health;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * When each probed backend is due, and when the scheduler's one probe timer should wake next: for the earliest due
 * time, but no sooner than {@code tickMs} after the last wakeup, so the number of wakeups is bounded by the time, not
 * by the number of backends. Pure and single-threaded (the {@link ProbeScheduler}'s context); times are passed in.
 *
 * @param <T> what is due (the scheduler's tracked backend)
 */
final class ProbeTimeline<T> {

  private record Due<T>(T item, long atMs) {}

  private final long tickMs;
  private final PriorityQueue<Due<T>> waiting = new PriorityQueue<>(Comparator.comparingLong(Due::atMs));
  private long lastWakeMs = Long.MIN_VALUE / 2;

  /** @param tickMs shortest time between two wakeups */
  ProbeTimeline(long tickMs) {
    if (tickMs < 1) {
      throw new IllegalArgumentException("tickMs must be at least 1, got " + tickMs);
    }
    this.tickMs = tickMs;
  }

  /** {@code item} is due at {@code atMs}. */
  void add(T item, long atMs) {
    waiting.add(new Due<>(item, atMs));
  }

  /** When the timer should wake next; {@link Long#MAX_VALUE} when nothing waits. */
  long nextWakeMs() {
    Due<T> first = waiting.peek();
    return first == null ? Long.MAX_VALUE : Math.max(first.atMs(), lastWakeMs + tickMs);
  }

  /** A wakeup at {@code nowMs}: takes every item due by then, earliest first. */
  List<T> wake(long nowMs) {
    lastWakeMs = nowMs;
    List<T> due = new ArrayList<>();
    while (!waiting.isEmpty() && waiting.peek().atMs() <= nowMs) {
      due.add(waiting.poll().item());
    }
    return due;
  }

  /** Items waiting, due or not. */
  int size() {
    return waiting.size();
  }

  /** Forgets every item. */
  void clear() {
    waiting.clear();
  }
}
