package dev.ghost.ingress.sync;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the control plane's event feed page by page into batches bounded in bytes, and replays it whole. Apart
 * from the verticle because the paging rules (where to start, when a read is complete, when the byte budget
 * ends it) are the feed's, not the wiring's; it holds no state between reads.
 */
final class FeedReader {

  /** Event ids re-read behind the cursor on every poll (ids can commit out of order). */
  static final long HEAL_WINDOW = 100;
  /**
   * Feed bytes read into one batch before it is applied; the rest is read by the next poll (or the next round of
   * a replay). With each page capped too, a control plane that pages forever cannot fill the heap.
   */
  static final long MAX_BATCH_BYTES = 16L << 20;

  private final ControlPlaneClient client;
  private final RouteCap cap;
  private final Vertx vertx;

  /**
   * @param client the control plane's HTTP client
   * @param cap    held against every round of a replay
   * @param vertx  a replay folds its batches (up to 16 MiB of events each) on a worker, not on the event loop
   */
  FeedReader(ControlPlaneClient client, RouteCap cap, Vertx vertx) {
    this.client = client;
    this.cap = cap;
    this.vertx = vertx;
  }

  /**
   * Events read from the feed in one go.
   *
   * @param events    ascending, as the feed sent them
   * @param nextAfter where the feed said to read on
   * @param complete  true when the feed had no more (a short page), false when the byte budget ended the read
   */
  record Batch(List<CpEvent> events, long nextAfter, boolean complete) {

    /** The highest event id in the batch; 0 when it has none. */
    long highestId() {
      return events.stream().mapToLong(CpEvent::eventId).max().orElse(0);
    }
  }

  /** A poll's read: the events after {@code cursor} minus the heal window, up to {@link #MAX_BATCH_BYTES}. */
  Future<Batch> poll(long cursor) {
    return read(Math.max(0, cursor - HEAL_WINDOW));
  }

  /** The events after {@code after}, page by page, up to {@link #MAX_BATCH_BYTES}. */
  Future<Batch> read(long after) {
    return read(after, new ArrayList<>(), 0);
  }

  private Future<Batch> read(long after, List<CpEvent> acc, long bytes) {
    return client.events(after, ControlPlaneClient.PAGE).compose(page -> {
      acc.addAll(page.events());
      long read = bytes + page.bytes();
      boolean more = page.events().size() == ControlPlaneClient.PAGE && page.nextAfter() > after;
      if (more && read >= MAX_BATCH_BYTES) {
        return Future.succeededFuture(new Batch(acc, page.nextAfter(), false));
      }
      return more ? read(page.nextAfter(), acc, read)
          : Future.succeededFuture(new Batch(acc, page.nextAfter(), true));
    });
  }

  /**
   * The feed after {@code after} folded into {@code acc} batch by batch, so no more than one batch of events is
   * held at once; fails with {@code too_many_routes} when a round exceeds the cap.
   */
  Future<ControlPlaneState> replay(ControlPlaneState acc, long after) {
    return read(after).compose(batch -> vertx
        .executeBlocking(() -> cap.check(acc.apply(batch.events()).next()), false)
        .compose(next -> batch.complete() || batch.nextAfter() <= after ? Future.succeededFuture(next)
            : replay(next, batch.nextAfter())));
  }
}
