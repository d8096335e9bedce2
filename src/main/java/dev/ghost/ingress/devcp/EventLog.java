package dev.ghost.ingress.devcp;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dev control plane's event history: assigns ids (ascending, with gaps of 1 to 3, as the live plane's global
 * ids have), appends to {@code STATE.events.jsonl} (one {@link DevEvent#toJson()} per line, flushed to disk before
 * the events become visible) and keeps a {@link Projection} up to date.
 *
 * <p>Threading: {@link #append} runs on worker or test threads under a lock (it writes a file); readers on event
 * loops take {@link #snapshot()}, an immutable pair published by one volatile write.
 */
public final class EventLog {

  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);

  /** Actor of every event: a person editing the file. */
  static final String ACTOR_TYPE = "user";
  static final String ACTOR_ID = "usr_dev_control_plane";

  /**
   * What readers see.
   *
   * @param events every event, ascending ids
   * @param projection the state after them; never modified after publication
   */
  public record Snapshot(List<DevEvent> events, Projection projection) {

    /** The last event id, 0 when empty. */
    public long lastEventId() {
      return events.isEmpty() ? 0 : events.get(events.size() - 1).eventId();
    }
  }

  private final Path file;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock
  private final List<DevEvent> events = new ArrayList<>();
  private final Projection projection = new Projection();
  private volatile Snapshot snapshot = new Snapshot(List.of(), new Projection());
  private volatile LongConsumer onCommit = id -> { };

  private EventLog(Path file, Clock clock) {
    this.file = file;
    this.clock = clock;
  }

  /**
   * Opens the log at {@code file} (null: in memory only) and replays what it holds. A line that cannot be read (a
   * write cut short by a crash) or whose id does not ascend is logged and skipped.
   */
  public static EventLog open(Path file, Clock clock) throws IOException {
    EventLog log = new EventLog(file, clock);
    if (file != null && Files.exists(file)) {
      int lineNo = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        try {
          DevEvent e = DevEvent.fromJson(new JsonObject(line));
          if (!log.events.isEmpty() && e.eventId() <= log.events.get(log.events.size() - 1).eventId()) {
            throw new IllegalArgumentException("event id " + e.eventId() + " does not ascend");
          }
          log.events.add(e);
          log.projection.apply(e);
        } catch (RuntimeException e) {
          LOG.atWarn().addKeyValue("file", file.toString()).addKeyValue("line", lineNo)
              .addKeyValue("cause", String.valueOf(e.getMessage()).lines().findFirst().orElse("")).log("unreadable event record skipped");
        }
      }
      log.publish();
    }
    return log;
  }

  /** Called with each new event id after it is persisted and before it is published. */
  void onCommit(LongConsumer hook) {
    this.onCommit = hook;
  }

  /** The current events and projection. */
  public Snapshot snapshot() {
    return snapshot;
  }

  /** Turns {@code changes} into events (one request id for the batch), persists and publishes them. */
  public List<DevEvent> append(List<StateDiff.Change> changes) throws IOException {
    if (changes.isEmpty()) {
      return List.of();
    }
    lock.lock();
    try {
      Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
      String requestId = Ids.random("req", now);
      long id = events.isEmpty() ? 0 : events.get(events.size() - 1).eventId();
      List<DevEvent> batch = new ArrayList<>();
      Projection next = projection.copy();
      for (StateDiff.Change c : changes) {
        id = nextId(id);
        DevEvent e = new DevEvent(id, now, c.eventType(), c.aggregateType(), c.aggregateId(),
            next.nextSeq(c.aggregateType(), c.aggregateId()), requestId, ACTOR_TYPE, ACTOR_ID, c.appId(), c.envId(),
            c.payload());
        next.apply(e);
        batch.add(e);
      }
      persist(batch);
      batch.forEach(e -> onCommit.accept(e.eventId()));
      batch.forEach(projection::apply);
      events.addAll(batch);
      publish();
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /** Deterministic gaps: the step is 1, 2 or 3 depending on the previous id. */
  static long nextId(long previous) {
    long mixed = (previous + 1) * 0x9E3779B97F4A7C15L;
    return previous + 1 + Long.remainderUnsigned(mixed >>> 40, 3);
  }

  private void persist(List<DevEvent> batch) throws IOException {
    if (file == null) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    batch.forEach(e -> sb.append(e.toJson().encode()).append('\n'));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ch.write(StandardCharsets.UTF_8.encode(sb.toString()));
      ch.force(false);
    }
  }

  private void publish() {
    snapshot = new Snapshot(List.copyOf(events), projection.copy());
  }
}
