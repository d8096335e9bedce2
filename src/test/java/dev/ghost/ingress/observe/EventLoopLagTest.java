package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.testing.Await;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.internal.VertxInternal;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EventLoopLagTest {

  private Vertx vertx;
  private EventLoopLag lag;
  private SimpleMeterRegistry registry;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    registry = new SimpleMeterRegistry();
    lag = EventLoopLag.start(((VertxInternal) vertx).eventLoopGroup(), registry);
  }

  @AfterEach
  void stop() {
    lag.close();
    vertx.close().await();
  }

  @Test
  void aTaskHoldingAnEventLoopIsCountedAsAStallOfAtLeastItsLengthMinusATick() {
    long holdNanos = EventLoopLag.STALL.toNanos() * 4;
    vertx.runOnContext(v -> {
      long end = System.nanoTime() + holdNanos;
      while (System.nanoTime() < end) {
        Thread.onSpinWait(); // the work a stall is made of
      }
    });
    // waits for the held loop's own lag: a shorter stall of a busy machine may be counted first
    Await.until("the held loop's stall measured",
        () -> lag.maxLagNanos() >= holdNanos - EventLoopLag.TICK.toNanos(),
        () -> "worst lag " + lag.maxLagNanos() + " ns, stalls " + lag.stalls());
    assertThat(lag.stalls()).isGreaterThanOrEqualTo(1);
    assertThat(stallsMeter(StallPhase.START)).isGreaterThanOrEqualTo(1);
    assertThat(registry.get(MetricNames.EVENT_LOOP_LAG_MAX).gauge().value())
        .isGreaterThanOrEqualTo((holdNanos - EventLoopLag.TICK.toNanos()) / 1e9);
  }

  /**
   * Stalls before the node is first ready are the start's (class loading, the first table); after, they delay
   * connections. Each counts in its own series, both present from start at 0 so an alert can watch
   * {@code phase="serving"} alone. A stall counts in the phase of the window it ends, opened by the loop's
   * previous sampling task.
   */
  @Test
  void stallsCountInThePhaseInForceWhenTheirWindowBegan() throws Exception {
    assertThat(lag.phase()).isEqualTo(StallPhase.START);
    assertThat(registry.find(MetricNames.EVENT_LOOP_STALLS).functionCounters())
        .extracting(c -> c.getId().getTag("phase") + "/" + c.getId().getTag("cause"))
        .containsExactlyInAnyOrderElementsOf(Arrays.stream(StallPhase.values())
            .flatMap(p -> Arrays.stream(StallCause.values()).map(c -> p.label() + "/" + c.label())).toList());
    assertThat(stallsMeter(StallPhase.SERVING)).isZero();

    hold(vertx.getOrCreateContext());
    Await.until("the start's stall counted", () -> lag.stalls(StallPhase.START) >= 1, () -> "stalls " + lag.stalls());
    assertThat(lag.stalls(StallPhase.SERVING)).as("stalls while serving, before the node served").isZero();

    lag.serving();
    sampleEveryLoop(vertx); // every loop's window now began in the serving phase
    long startStalls = lag.stalls(StallPhase.START);
    hold(vertx.getOrCreateContext());
    Await.until("the serving stall counted", () -> lag.stalls(StallPhase.SERVING) >= 1,
        () -> "stalls " + lag.stalls());
    assertThat(lag.phase()).isEqualTo(StallPhase.SERVING);
    assertThat(lag.stalls(StallPhase.START)).as("start stalls once serving").isEqualTo(startStalls);
    assertThat(stallsMeter(StallPhase.START)).isEqualTo(startStalls);
    assertThat(stallsMeter(StallPhase.SERVING)).isEqualTo(lag.stalls(StallPhase.SERVING));
    assertThat(lag.stalls()).isEqualTo(lag.stalls(StallPhase.START) + lag.stalls(StallPhase.SERVING));
  }

  /**
   * A stall's log line carries the phase of its counter; a burst is one line per phase per interval, with how many
   * stalls it stands for; a phase change is said at once.
   */
  @Test
  void stallLinesCarryThePhaseAndComeAtMostOncePerIntervalPerPhase() {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger logger = (Logger) LoggerFactory.getLogger(EventLoopLag.class);
    logger.addAppender(logs);
    ch.qos.logback.classic.Level level = logger.getLevel();
    logger.setLevel(ch.qos.logback.classic.Level.INFO); // the start's lines are INFO
    try {
      EventLoopLag sampled = new EventLoopLag(); // not started: fed by hand
      long stall = EventLoopLag.STALL.toNanos();
      long interval = EventLoopLag.LOG_INTERVAL.toNanos();
      long t0 = 1_000_000_000L;
      sampled.record(stall - 1, StallCause.UNKNOWN, StallPhase.START, t0); // a lag, not a stall
      assertThat(lines(logs)).isEmpty();
      sampled.record(stall, StallCause.CPU_WAIT, StallPhase.START, t0);
      sampled.record(3 * stall, StallCause.WORK, StallPhase.START, t0 + 1);
      sampled.record(2 * stall, StallCause.PAUSED, StallPhase.START, t0 + interval - 1);
      assertThat(lines(logs)).containsExactly(Map.of("level", "INFO", "phase", "start", "stalls", "1",
          "max_lag_ms", String.valueOf(stall / 1_000_000), "cause", "cpu_wait"));
      // another phase: said at once, the start's burst is in the counter
      sampled.record(stall, StallCause.PAUSED, StallPhase.SERVING, t0 + interval);
      sampled.record(4 * stall, StallCause.WORK, StallPhase.SERVING, t0 + 2 * interval);
      assertThat(lines(logs)).hasSize(3).element(1).isEqualTo(Map.of("level", "WARN", "phase", "serving",
          "stalls", "1", "max_lag_ms", String.valueOf(stall / 1_000_000), "cause", "paused"));
      assertThat(lines(logs).get(2)).containsEntry("stalls", "1")
          .containsEntry("max_lag_ms", String.valueOf(4 * stall / 1_000_000)).containsEntry("cause", "work");
      assertThat(sampled.stalls(StallPhase.START)).isEqualTo(3);
      assertThat(sampled.stalls(StallPhase.START, StallCause.WORK)).isEqualTo(1);
      assertThat(sampled.stalls(StallPhase.START, StallCause.CPU_WAIT)).isEqualTo(1);
      assertThat(sampled.stalls(StallPhase.START, StallCause.PAUSED)).isEqualTo(1);
      assertThat(sampled.stalls(StallPhase.SERVING)).isEqualTo(2);
      assertThat(logs.list).allSatisfy(e -> {
        assertThat(e.getFormattedMessage()).isEqualTo("event loop stalled");
        assertThat(e.getKeyValuePairs()).anyMatch(kv -> kv.key.equals("loop"));
      });
    } finally {
      logger.setLevel(level);
      logger.detachAppender(logs);
    }
  }

  /**
   * Each line's level and key-value pairs but the loop's name, of the lines fed by this test's thread: the logger is
   * the class's, so lines of samplers on real event loops (other tests' nodes in this JVM) are left out.
   */
  private static List<Map<String, String>> lines(ListAppender<ILoggingEvent> logs) {
    String fedBy = Thread.currentThread().getName();
    return logs.list.stream().filter(e -> e.getKeyValuePairs().stream()
        .anyMatch(kv -> kv.key.equals("loop") && fedBy.equals(kv.value))).<Map<String, String>>map(e -> {
      Map<String, String> line = new TreeMap<>();
      line.put("level", e.getLevel().toString());
      e.getKeyValuePairs().stream().filter(kv -> !kv.key.equals("loop"))
          .forEach(kv -> line.put(kv.key, String.valueOf(kv.value)));
      return line;
    }).toList();
  }

  /** Holds the loop of {@code context} for four stall lengths, the work a stall is made of. */
  private static void hold(Context context) {
    Promise<Void> held = Promise.promise();
    context.runOnContext(v -> {
      long end = System.nanoTime() + EventLoopLag.STALL.toNanos() * 4;
      while (System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      held.complete();
    });
    held.future().await();
  }

  /**
   * Waits, on every event loop, for a task due two sampling ticks from now: Netty runs due tasks in deadline order,
   * so each loop's sampler has run meanwhile and opened a new window.
   */
  static void sampleEveryLoop(Vertx vertx) throws Exception {
    for (EventExecutor loop : ((VertxInternal) vertx).eventLoopGroup()) {
      loop.schedule(() -> { }, 2 * EventLoopLag.TICK.toNanos(), TimeUnit.NANOSECONDS).get(10, TimeUnit.SECONDS);
    }
  }

  /** Runs an empty task on every event loop and waits for each: what was running on them has ended. */
  private void drainEveryLoop() throws Exception {
    for (EventExecutor loop : ((VertxInternal) vertx).eventLoopGroup()) {
      loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }
  }

  private double stallsMeter(StallPhase phase) {
    return registry.get(MetricNames.EVENT_LOOP_STALLS).tag("phase", phase.label()).functionCounters().stream()
        .mapToDouble(FunctionCounter::count).sum();
  }

  private double stallsMeter(StallPhase phase, StallCause cause) {
    return registry.get(MetricNames.EVENT_LOOP_STALLS).tags("phase", phase.label(), "cause", cause.label())
        .functionCounter().count();
  }

  /**
   * A loop that spins is running (or queued for a core) the whole stall; held until one such stall is put down to
   * work, since on a loaded machine a hold can spend most of its time queued. Fails if the cause is never work.
   */
  @Test
  void aLoopKeptBusyStallsForWork() {
    assumeTrue(schedulerStatistics());
    holdUntil(StallCause.WORK, () -> hold(vertx.getOrCreateContext()));
    assertThat(stallsMeter(StallPhase.START, StallCause.WORK)).isGreaterThanOrEqualTo(1);
  }

  /** A loop blocked in a call (here a sleep, as a blocking read would) neither runs nor waits for a core. */
  @Test
  void aLoopInABlockingCallStallsPaused() {
    assumeTrue(schedulerStatistics());
    holdUntil(StallCause.PAUSED, () -> {
      Promise<Void> slept = Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> {
        try {
          TimeUnit.NANOSECONDS.sleep(EventLoopLag.STALL.toNanos() * 4); // the blocking call under test
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        slept.complete();
      });
      slept.future().await();
    });
    assertThat(stallsMeter(StallPhase.START, StallCause.PAUSED)).isGreaterThanOrEqualTo(1);
    assertThat(stallsMeter(StallPhase.START, StallCause.UNKNOWN)).as("where the system says").isZero();
  }

  /**
   * A loop that cannot get a core waits for one: the loop's thread shares one CPU with a thread that spins in the
   * real-time class ({@code taskset}, {@code chrt --fifo}: a normal thread does not run beside it), for a bounded
   * {@link #HOG}, so the loop's 20 ms task runs that much late with the loop doing nothing. A real-time thread takes
   * privilege: skipped where the test may not make one.
   */
  @Test
  void aLoopWithoutACoreStallsForTheHost() throws Exception {
    assumeTrue(schedulerStatistics());
    EventExecutor loop = ((VertxInternal) vertx).eventLoopGroup().next();
    String loopThread = loop.submit(EventLoopLagTest::currentThreadId).get(10, TimeUnit.SECONDS);
    String cpu = loop.submit(EventLoopLagTest::firstAllowedCpu).get(10, TimeUnit.SECONDS);
    run("taskset", "-p", "-c", cpu, loopThread);
    CompletableFuture<Boolean> realTime = new CompletableFuture<>();
    Thread hog = new Thread(() -> {
      try {
        String self = currentThreadId();
        run("taskset", "-p", "-c", cpu, self);
        realTime.complete(exitsZero("chrt", "--fifo", "-p", "1", self));
      } catch (Exception e) {
        realTime.completeExceptionally(e);
        return;
      }
      long end = System.nanoTime() + HOG.toNanos();
      while (System.nanoTime() < end) {
        Thread.onSpinWait(); // what takes the loop's core
      }
    }, "hog");
    hog.start();
    try {
      assumeTrue(realTime.get(10, TimeUnit.SECONDS), "no privilege to make a real-time thread");
      Await.until("a stall put down to the host", () -> lag.stalls(StallPhase.START, StallCause.CPU_WAIT) >= 1,
          () -> Arrays.stream(StallCause.values()).map(c -> c.label() + "=" + lag.stalls(StallPhase.START, c))
              .toList().toString());
    } finally {
      hog.join();
    }
    assertThat(stallsMeter(StallPhase.START, StallCause.CPU_WAIT)).isGreaterThanOrEqualTo(1);
  }

  /** How long the real-time thread holds the loop's core: several stalls' worth, well under the kernel's 0.95 s. */
  private static final Duration HOG = Duration.ofMillis(300);

  private static boolean exitsZero(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(Redirect.DISCARD).start();
    return p.waitFor() == 0;
  }

  /** The calling thread's id in the kernel (what {@code taskset} and {@code chrt} take). */
  /** The first CPU the calling thread may run on (a container's cpuset need not hold CPU 0). */
  private static String firstAllowedCpu() throws Exception {
    String allowed = Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
        .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow();
    return allowed.substring(allowed.indexOf(':') + 1).trim().split("[-,]")[0];
  }

  private static String currentThreadId() throws Exception {
    return Path.of("/proc/thread-self").toRealPath().getFileName().toString();
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
  }

  private void holdUntil(StallCause cause, Runnable hold) {
    long deadline = System.nanoTime() + Await.DEFAULT.toNanos();
    while (lag.stalls(StallPhase.START, cause) == 0) {
      assertThat(System.nanoTime()).as("a stall put down to %s by the deadline; by cause: %s", cause.label(),
          Arrays.stream(StallCause.values()).map(c -> c.label() + "=" + lag.stalls(StallPhase.START, c)).toList())
          .isLessThan(deadline);
      hold.run();
      drainEveryLoopQuietly();
    }
  }

  private void drainEveryLoopQuietly() {
    try {
      drainEveryLoop();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static boolean schedulerStatistics() {
    ThreadSchedule self = ThreadSchedule.ofCurrentThread();
    if (self == null) {
      return false;
    }
    self.close();
    return true;
  }

  @Test
  void closingStopsTheSampling() {
    lag.close();
    long before = lag.stalls();
    Context loop = vertx.getOrCreateContext();
    Promise<Void> held = Promise.promise();
    loop.runOnContext(v -> {
      long end = System.nanoTime() + EventLoopLag.STALL.toNanos() * 3;
      while (System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      held.complete();
    });
    held.future().await();
    // A sampling task still armed would be due now and run before this one
    Promise<Void> after = Promise.promise();
    loop.runOnContext(v -> after.complete());
    after.future().await();
    assertThat(lag.stalls()).isEqualTo(before);
  }
}
