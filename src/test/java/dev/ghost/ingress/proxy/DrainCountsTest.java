package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.route.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DrainCountsTest {

  static final Backend A = Backend.parse("[::1]:9443");
  static final Backend B = Backend.parse("10.0.0.1:80");

  @Test
  void countsPerBackendAndForgetsABackendAtZero() {
    DrainCounts counts = new DrainCounts();
    counts.started(A);
    counts.started(A);
    counts.started(B);
    assertThat(counts.open(A)).isEqualTo(2);
    assertThat(counts.total()).isEqualTo(3);
    counts.stopped(A);
    counts.stopped(B);
    assertThat(counts.snapshot(List.of())).containsExactly(Map.entry("[::1]:9443", 1));
    counts.stopped(A);
    assertThat(counts.snapshot(List.of())).isEmpty();
    assertThat(counts.total()).isZero();
  }

  @Test
  void aStopWithoutAStartNeverGoesNegative() {
    DrainCounts counts = new DrainCounts();
    counts.stopped(A);
    assertThat(counts.open(A)).isZero();
    assertThat(counts.snapshot(List.of())).isEmpty();
  }

  @Test
  void listedBackendsShowZeroWhenNothingIsOpen() {
    DrainCounts counts = new DrainCounts();
    counts.started(B);
    assertThat(counts.snapshot(List.of("[::1]:9443", "10.0.0.1:80")))
        .containsExactly(Map.entry("10.0.0.1:80", 1), Map.entry("[::1]:9443", 0));
  }

  @Test
  void everyChangeIsAnnounced() {
    DrainCounts counts = new DrainCounts();
    AtomicInteger changes = new AtomicInteger();
    counts.onChange(changes::incrementAndGet);
    counts.started(A);
    counts.stopped(A);
    assertThat(changes.get()).isEqualTo(2);
  }

  @Test
  void exactUnderConcurrentStartsAndStops() throws Exception {
    DrainCounts counts = new DrainCounts();
    int threads = 8;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Backend b = t % 2 == 0 ? A : B;
      done.add(pool.submit(() -> {
        go.await();
        for (int i = 0; i < perThread; i++) {
          counts.started(b);
          if (i % 2 == 1) {
            counts.stopped(b);
            counts.stopped(b);
          }
        }
        return null;
      }));
    }
    go.countDown();
    for (var f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(counts.total()).isZero();
    assertThat(counts.snapshot(List.of())).isEmpty();
  }
}
