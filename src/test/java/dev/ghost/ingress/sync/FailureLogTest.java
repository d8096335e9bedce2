package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FailureLogTest {

  static final long INTERVAL = 10_000;

  final AtomicLong clock = new AtomicLong(5_000_000);
  final FailureLog log = new FailureLog(INTERVAL, clock::get);
  ListAppender<ILoggingEvent> lines;

  @BeforeEach
  void capture() {
    lines = new ListAppender<>();
    lines.start();
    ((Logger) LoggerFactory.getLogger(SyncVerticle.class)).addAppender(lines);
  }

  @AfterEach
  void release() {
    ((Logger) LoggerFactory.getLogger(SyncVerticle.class)).detachAppender(lines);
  }

  static SyncException failure(SyncFailure kind) {
    return new SyncException(kind, "detail", true, "req_1");
  }

  /** The {@code count} of each line of {@code kind}, in order. */
  List<Integer> counts(SyncFailure kind) {
    return lines.list.stream()
        .filter(e -> e.getKeyValuePairs().stream()
            .anyMatch(kv -> kv.key.equals("kind") && kv.value.equals(kind.label())))
        .map(e -> (Integer) e.getKeyValuePairs().stream().filter(kv -> kv.key.equals("count")).findFirst()
            .orElseThrow().value)
        .toList();
  }

  @Test
  void manyFailuresOfOneKindAreOneLineNowAndOneWithTheirCountLater() {
    for (int i = 0; i < 1000; i++) {
      log.report("instances of app/env_" + i + "/web", failure(SyncFailure.TIMEOUT));
    }
    assertThat(counts(SyncFailure.TIMEOUT)).containsExactly(1);

    log.flush();
    assertThat(counts(SyncFailure.TIMEOUT)).as("interval not over").containsExactly(1);

    clock.addAndGet(INTERVAL);
    log.flush();
    assertThat(counts(SyncFailure.TIMEOUT)).containsExactly(1, 999);
    assertThat(lines.list).allMatch(e -> e.getFormattedMessage().equals(FailureLog.MESSAGE));
  }

  @Test
  void eachKindHasItsOwnInterval() {
    log.report("event feed", failure(SyncFailure.TIMEOUT));
    log.report("instances of a/b/web", failure(SyncFailure.SERVER_ERROR));
    log.report("event feed", failure(SyncFailure.TIMEOUT));
    assertThat(counts(SyncFailure.TIMEOUT)).containsExactly(1);
    assertThat(counts(SyncFailure.SERVER_ERROR)).containsExactly(1);
  }

  @Test
  void failureAfterTheIntervalIsSaidAtOnceWithThoseBefore() {
    log.report("event feed", failure(SyncFailure.UNREACHABLE));
    log.report("event feed", failure(SyncFailure.UNREACHABLE));
    log.report("event feed", failure(SyncFailure.UNREACHABLE));
    clock.addAndGet(INTERVAL);
    log.report("event feed", failure(SyncFailure.UNREACHABLE));
    assertThat(counts(SyncFailure.UNREACHABLE)).containsExactly(1, 3);
  }

  @Test
  void kindQuietForAnIntervalIsSaidAtOnceNextTime() {
    log.report("event feed", failure(SyncFailure.UNREACHABLE));
    clock.addAndGet(INTERVAL);
    log.flush(); // nothing unsaid: forgotten
    clock.addAndGet(1);
    log.report("event feed", failure(SyncFailure.UNREACHABLE));
    assertThat(counts(SyncFailure.UNREACHABLE)).containsExactly(1, 1);
  }
}
