package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lines that arrive in one turn of the event loop are handed on as one batch, with their settle callbacks. */
class StreamedLinesTest {

  Vertx vertx;
  Context context;
  /** The event ids of each batch handed on, in order. */
  final List<List<Long>> batches = new CopyOnWriteArrayList<>();
  final AtomicInteger settled = new AtomicInteger();
  StreamedLines lines;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    lines = new StreamedLines(vertx, (events, settles) -> {
      batches.add(events.stream().map(CpEvent::eventId).toList());
      settles.forEach(Runnable::run);
    });
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private void onContext(Runnable action) {
    OnContext.run(context, action);
  }

  private void add(long eventId) {
    lines.add(new CpEvent.Ignored(eventId, "noise"), settled::incrementAndGet);
  }

  @Test
  void linesOfOneTurnAreOneBatchAndLaterLinesTheNext() {
    onContext(() -> {
      add(1);
      add(2);
      add(3);
    });
    Await.until("the first batch", () -> batches.size() == 1, batches::toString);
    onContext(() -> add(4));
    Await.until("the second batch", () -> batches.size() == 2, batches::toString);

    assertThat(batches).containsExactly(List.of(1L, 2L, 3L), List.of(4L));
    assertThat(settled.get()).isEqualTo(4);
  }

  @Test
  void clearedLinesAreNotHandedOn() {
    onContext(() -> {
      add(1);
      lines.clear();
      add(2);
    });
    Await.until("a batch", () -> batches.size() == 1, batches::toString);

    assertThat(batches).containsExactly(List.of(2L));
    assertThat(settled.get()).isEqualTo(1); // their stream is closed: nothing waits on the cleared line
  }
}
