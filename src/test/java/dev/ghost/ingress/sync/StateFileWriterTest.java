package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.IngressNode;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.OnContext;
import dev.ghost.ingress.testing.TestNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state file is written behind the changes: one write in flight at most, the newest state after it (the ones
 * in between are never written), and everything pending written on a flush. Real files, a write that can be held.
 */
class StateFileWriterTest {

  @TempDir
  Path dir;
  Vertx vertx;
  Context context;
  /** Cursors of the states written, in order. */
  final List<Long> written = new CopyOnWriteArrayList<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  /** The first write waits for this. */
  final CompletableFuture<Void> release = new CompletableFuture<>();
  StateFileWriter writer;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    writer = new StateFileWriter(context, this::heldWrite, at -> { }, err -> { });
  }

  @AfterEach
  void stop() {
    release.complete(null);
    vertx.close().await();
  }

  private void heldWrite(ControlPlaneState state) throws IOException {
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    try {
      if (written.isEmpty()) {
        release.join();
      }
      StateFile.write(dir.resolve("state.json"), state);
      written.add(state.cursor());
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private static ControlPlaneState at(long cursor) {
    return ControlPlaneState.EMPTY.apply(List.of(new CpEvent.Ignored(cursor, "noise"))).next();
  }

  private void onContext(Runnable action) {
    OnContext.run(context, action);
  }

  @Test
  void aBurstOfChangesIsWrittenAsTheFirstAndTheNewest() {
    onContext(() -> writer.submit(at(1))); // idle: written at once (held)
    Await.until("the first write started", () -> inFlight.get() == 1);
    onContext(() -> {
      writer.submit(at(2));
      writer.submit(at(3));
      writer.submit(at(4));
    });
    release.complete(null);

    Await.until("the newest state written", () -> written.contains(4L), written::toString);
    assertThat(written).containsExactly(1L, 4L);
    assertThat(maxInFlight.get()).isEqualTo(1);
    assertThat(StateFile.read(dir.resolve("state.json"))).isInstanceOfSatisfying(StateFile.Loaded.Ok.class,
        ok -> assertThat(ok.state().cursor()).isEqualTo(4));
  }

  @Test
  void aFlushWritesWhatIsPendingAndCompletesAfterIt() {
    onContext(() -> writer.submit(at(1)));
    Await.until("the first write started", () -> inFlight.get() == 1);
    AtomicReference<Future<Void>> flushed = new AtomicReference<>();
    onContext(() -> {
      writer.submit(at(2));
      flushed.set(writer.flush());
    });
    assertThat(flushed.get().isComplete()).as("complete while a write is held").isFalse();
    release.complete(null);

    flushed.get().await();
    assertThat(written).containsExactly(1L, 2L);
    AtomicReference<Future<Void>> again = new AtomicReference<>();
    onContext(() -> again.set(writer.flush()));
    assertThat(again.get().succeeded()).as("nothing pending: done at once").isTrue();
  }

  @Test
  void aSyncThatStopsHasWrittenTheLastStateItServed() throws Exception {
    Path file = dir.resolve("sync-state.json");
    IngressConfig config = TestNode.config(SyncFixture.spec("http://127.0.0.1:9", false)
        .set("state.file", file.toString()));
    SyncVerticle sync = new SyncVerticle(config, new RouteTableRef(IngressNode.staticTable(config, 1)),
        new AtomicLong(1), new IngressMetrics(new SimpleMeterRegistry()), new SyncStatus(), () -> { }, false);
    String id = vertx.deployVerticle(sync).await();
    for (int n = 1; n <= 20; n++) {
      assertThat(sync.adopt(SyncAtScaleTest.state(n, 9443), served -> true).await()).isTrue();
    }

    vertx.undeploy(id).await();

    assertThat(StateFile.read(file)).isInstanceOfSatisfying(StateFile.Loaded.Ok.class,
        ok -> assertThat(ok.state().contentHash()).isEqualTo(SyncAtScaleTest.state(20, 9443).contentHash()));
  }
}
