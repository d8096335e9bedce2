package dev.ghost.ingress.devcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ids ascend with gaps, the log survives a reopen, and replaying it gives back the state it came from. */
class DevEventLogTest {

  @TempDir
  Path dir;

  @Test
  void idsAscendWithGaps() {
    long id = 0;
    boolean gap = false;
    for (int i = 0; i < 100; i++) {
      long next = EventLog.nextId(id);
      assertThat(next - id).isBetween(1L, 3L);
      gap |= next - id > 1;
      id = next;
    }
    assertThat(gap).isTrue();
  }

  @Test
  void reopenKeepsIdsSequencesAndState() throws Exception {
    Path file = dir.resolve("s.events.jsonl");
    DevState s = DevStateDiffTest.base().withEnv(new DevState.Env("env_1", "app_1", "192.0.2.10"));
    EventLog log = EventLog.open(file, Clock.systemUTC());
    List<DevEvent> first = log.append(StateDiff.diff(DevState.empty("org_1", "t"), s));
    log.append(StateDiff.diff(s, s.withInstance(DevStateDiffTest.INST.withStatus("draining"))));
    long last = log.snapshot().lastEventId();

    EventLog reopened = EventLog.open(file, Clock.systemUTC());
    assertThat(reopened.snapshot().events()).isEqualTo(log.snapshot().events());
    assertThat(reopened.snapshot().events().get(0)).isEqualTo(first.get(0));
    DevState replayed = reopened.snapshot().projection().toState("org_1", "t");
    DevState expected = s.withInstance(DevStateDiffTest.INST.withStatus("draining"));
    assertThat(StateDiff.diff(replayed, expected)).isEmpty();
    List<DevEvent> more = reopened.append(StateDiff.diff(replayed, expected.withoutRoute("rt_1")));
    assertThat(more).singleElement().satisfies(e -> {
      assertThat(e.eventId()).isGreaterThan(last);
      assertThat(e.aggregateSeq()).isEqualTo(2); // created was 1
    });
    assertThat(reopened.snapshot().projection().instances().get("inst_1").generation()).isEqualTo(2);
  }

  @Test
  void aTornLastLineIsSkipped() throws Exception {
    Path file = dir.resolve("s.events.jsonl");
    EventLog log = EventLog.open(file, Clock.systemUTC());
    log.append(StateDiff.diff(DevState.empty("org_1", "t"), DevStateDiffTest.base()));
    Files.writeString(file, "{\"event_id\":99,\"occ", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    EventLog reopened = EventLog.open(file, Clock.systemUTC());
    assertThat(reopened.snapshot().events()).hasSize(2);
  }
}
