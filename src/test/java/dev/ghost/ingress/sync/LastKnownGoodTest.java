package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state file as the sync uses it: what is written through it is served at the next start, base and journal,
 * and how the journal's replay went is counted; the bytes written are counted by part.
 */
class LastKnownGoodTest {

  @TempDir
  Path dir;
  Vertx vertx;
  Context context;
  SimpleMeterRegistry registry;
  IngressMetrics metrics;
  Path file;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    registry = new SimpleMeterRegistry();
    metrics = new IngressMetrics(registry);
    file = dir.resolve("state.json");
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private LastKnownGood lastKnownGood() {
    return new LastKnownGood(context, file, null, new RouteCap(1_000, (kind, err) -> { }), new SyncStatus(),
        metrics);
  }

  private double count(String name, String... tags) {
    Counter c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  /** Runs {@code action} on the context and waits for the future it returns. */
  private <T> T on(java.util.function.Supplier<Future<T>> action) {
    return Future.<Future<T>>future(p -> context.runOnContext(v -> p.complete(action.get())))
        .compose(f -> f).await();
  }

  /** What a start from the file serves, or null. */
  private ControlPlaneState load() {
    AtomicReference<ControlPlaneState> served = new AtomicReference<>();
    on(() -> lastKnownGood().load(state -> {
      served.set(state);
      return Future.succeededFuture();
    }));
    return served.get();
  }

  @Test
  void whatIsWrittenIsServedFromTheBaseAndTheJournalAndCounted() {
    LastKnownGood writer = lastKnownGood();
    ControlPlaneState s = StateJournalTest.base(50);
    for (int i = 0; i < 4; i++) {
      ControlPlaneState next = s;
      on(() -> {
        writer.write(next);
        return writer.flush();
      });
      s = StateJournalTest.change(s, i);
    }
    ControlPlaneState last = s;
    on(() -> {
      writer.write(last);
      return writer.flush();
    });

    assertThat(count(MetricNames.STATE_FILE_WRITTEN_BYTES, "part", "base")).isPositive();
    assertThat(count(MetricNames.STATE_FILE_WRITTEN_BYTES, "part", "journal")).isEqualTo((double) sizeOfRecords());
    ControlPlaneState served = load();
    assertThat(served.contentHash()).isEqualTo(last.contentHash());
    assertThat(served.cursor()).isEqualTo(last.cursor());
    assertThat(count(MetricNames.STATE_FILE_JOURNAL_REPLAYS, "outcome", "replayed")).isEqualTo(1);
    assertThat(count(MetricNames.STATE_FILE_JOURNAL_RECORDS)).isEqualTo(4);
  }

  @Test
  void aTornTailIsCountedAndTheRecordsBeforeItServed() throws Exception {
    LastKnownGood writer = lastKnownGood();
    ControlPlaneState first = StateJournalTest.base(50);
    ControlPlaneState second = StateJournalTest.change(first, 1);
    for (ControlPlaneState s : List.of(first, second, StateJournalTest.change(second, 2))) {
      on(() -> {
        writer.write(s);
        return writer.flush();
      });
    }
    byte[] journal = Files.readAllBytes(StateJournal.of(file));
    Files.write(StateJournal.of(file), Arrays.copyOf(journal, journal.length - 1)); // its newline lost

    ControlPlaneState served = load();

    assertThat(served.cursor()).isEqualTo(second.cursor());
    assertThat(served.contentHash()).isEqualTo(second.contentHash());
    assertThat(count(MetricNames.STATE_FILE_JOURNAL_REPLAYS, "outcome", "torn_tail")).isEqualTo(1);
    assertThat(count(MetricNames.STATE_FILE_JOURNAL_RECORDS)).isEqualTo(1);
    assertThat(count(MetricNames.STATE_FILE_LOADS, "outcome", "ok")).isEqualTo(1);
  }

  /** The journal's bytes after its header: the records. */
  private long sizeOfRecords() {
    try {
      List<String> lines = Files.readAllLines(StateJournal.of(file));
      return Files.size(StateJournal.of(file)) - lines.get(0).length() - 1;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
