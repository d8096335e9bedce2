package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.route.Backend;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state file as a base and a journal, over real files: what is read back is the last state written, or, when
 * the journal was cut or damaged, a state the writer wrote before it; never a record applied to another base.
 */
class StateJournalTest {

  @TempDir
  Path dir;
  Path file;
  /** Bytes written, per part, as the writer reports them. */
  final Map<StateFilePart, Long> bytes = new EnumMap<>(StateFilePart.class);
  final Map<StateFilePart, Integer> writes = new EnumMap<>(StateFilePart.class);
  StateJournalWriter writer;

  void open() {
    file = dir.resolve("state.json");
    writer = new StateJournalWriter(file, (part, n) -> {
      bytes.merge(part, n, Long::sum);
      writes.merge(part, 1, Integer::sum);
    });
  }

  /** {@code s} with one route created by the next event and given a backend: one change as the sync makes it. */
  static ControlPlaneState change(ControlPlaneState s, int i) {
    String id = "rt_j" + i;
    return s.apply(List.of(ControlPlaneStateTest.created(s.cursor() + 1, id, "j" + i + ".example.com"))).next()
        .withBackends(id, List.of(new Backend("fd00::" + Integer.toHexString(i + 1), 9443)));
  }

  /** {@link StateFileTest#sample()} with {@code routes} more routes: a base a few changes are small beside. */
  static ControlPlaneState base(int routes) {
    List<CpEvent> events = new ArrayList<>();
    ControlPlaneState sample = StateFileTest.sample();
    for (int i = 0; i < routes; i++) {
      events.add(ControlPlaneStateTest.created(sample.cursor() + 1 + i, "rt_b" + i, "b" + i + ".example.com"));
    }
    return sample.apply(events).next();
  }

  /** The states written, from a base of 200 routes on, {@code n} changes after it. */
  List<ControlPlaneState> writeChanges(int n) throws IOException {
    return writeChanges(base(200), n);
  }

  /** The states written, {@code s} then {@code n} changes after it. */
  List<ControlPlaneState> writeChanges(ControlPlaneState s, int n) throws IOException {
    List<ControlPlaneState> states = new ArrayList<>();
    writer.write(s);
    states.add(s);
    for (int i = 0; i < n; i++) {
      s = change(s, i);
      writer.write(s);
      states.add(s);
    }
    return states;
  }

  /** What {@link StateFile#write} then {@link StateFile#read} give for {@code state}: the reference. */
  ControlPlaneState wholeFileRoundTrip(ControlPlaneState state) throws IOException {
    Path other = dir.resolve("whole.json");
    StateFile.write(other, state);
    return ((StateFile.Loaded.Ok) StateFile.read(other)).state();
  }

  StateFile.Loaded.Ok read() {
    StateFile.Loaded loaded = StateFile.read(file);
    assertThat(loaded).isInstanceOf(StateFile.Loaded.Ok.class);
    return (StateFile.Loaded.Ok) loaded;
  }

  List<String> journalLines() throws IOException {
    return Files.readAllLines(StateJournal.of(file));
  }

  /** {@code line} changed by {@code edit}, with a checksum that matches: what a faulty writer could write. */
  static String resigned(String previous, String line, java.util.function.UnaryOperator<JsonObject> edit) {
    JsonObject record = new JsonObject(line);
    record.remove("crc32c");
    return new String(StateJournal.signed(edit.apply(record), chainOf(previous)).bytes(), StandardCharsets.UTF_8)
        .strip();
  }

  /** The chain value of a journal line: a record's checksum field, or the header's checksum with no predecessor. */
  static int chainOf(String line) {
    JsonObject json = new JsonObject(line);
    if (json.containsKey("crc32c")) {
      return Integer.parseUnsignedInt(json.getString("crc32c"), 16);
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(new byte[4]);
    crc.update(line.getBytes(StandardCharsets.UTF_8));
    return (int) crc.getValue();
  }

  void writeJournalLines(List<String> lines) throws IOException {
    Files.writeString(StateJournal.of(file), String.join("\n", lines) + "\n");
  }

  @Test
  void changesAreAppendedAndReadBackAsTheWholeFileWouldBe() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(5);
    ControlPlaneState last = states.get(5);

    StateFile.Loaded.Ok ok = read();

    assertThat(writes.get(StateFilePart.BASE)).isEqualTo(1);
    assertThat(writes.get(StateFilePart.JOURNAL)).isEqualTo(5);
    assertThat(journalLines()).hasSize(6);
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(last));
    assertThat(ok.state().contentHash()).isEqualTo(last.contentHash());
    assertThat(ok.journal()).isEqualTo(new StateJournal.Replay(JournalOutcome.REPLAYED, 5, null));
    assertThat(ok.writtenAt()).isEqualTo(Files.readAllLines(StateJournal.of(file)).stream()
        .reduce((a, b) -> b).map(l -> java.time.Instant.parse(new JsonObject(l).getString("written_at")))
        .orElseThrow());
    // the base alone is what it was: the first state
    assertThat(((StateFile.Loaded.Ok) StateFile.readBase(file)).state()).isEqualTo(states.get(0));
  }

  @Test
  void aBaseWithoutJournalReadsAsToday() throws IOException {
    open();
    StateFile.write(file, StateFileTest.sample());
    assertThat(read().journal().outcome()).isEqualTo(JournalOutcome.NONE);
    assertThat(read().state()).isEqualTo(wholeFileRoundTrip(StateFileTest.sample()));
  }

  @Test
  void aNewBaseIsWrittenOnceTheJournalWouldPassHalfTheBase() throws IOException {
    open();
    writer = new StateJournalWriter(file, (part, n) -> writes.merge(part, 1, Integer::sum), 0,
        StateJournalWriter.MAX_RECORDS);
    List<ControlPlaneState> states = writeChanges(StateFileTest.sample(), 40);
    long base = Files.size(file);

    // the sample's base is a few kB and a change a few hundred bytes: the journal rolled over several times
    assertThat(writes.get(StateFilePart.BASE)).isGreaterThan(1);
    assertThat(Files.size(StateJournal.of(file))).isLessThanOrEqualTo((long) (base * StateJournalWriter.JOURNAL_SHARE));
    StateFile.Loaded.Ok ok = read();
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(states.get(40)));
    assertThat(ok.journal().records()).isEqualTo(journalLines().size() - 1);
    JsonObject header = new JsonObject(journalLines().get(0));
    assertThat(header.getString("format")).isEqualTo(StateJournal.FORMAT);
    assertThat(header.getLong("base_cursor")).isEqualTo(
        ((StateFile.Loaded.Ok) StateFile.readBase(file)).state().cursor());
  }

  @Test
  void aTornLastRecordIsDroppedAndTheRecordsBeforeItServed() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(3);
    byte[] journal = Files.readAllBytes(StateJournal.of(file));
    Files.write(StateJournal.of(file), java.util.Arrays.copyOf(journal, journal.length - 10));

    StateFile.Loaded.Ok ok = read();

    assertThat(ok.journal().outcome()).isEqualTo(JournalOutcome.TORN_TAIL);
    assertThat(ok.journal().records()).isEqualTo(2);
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(states.get(2)));
  }

  @Test
  void aCorruptMiddleRecordEndsTheReplay() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(4);
    List<String> lines = new ArrayList<>(journalLines());
    lines.set(3, lines.get(3).substring(0, 40) + "}");
    writeJournalLines(lines);

    StateFile.Loaded.Ok ok = read();

    assertThat(ok.journal().outcome()).isEqualTo(JournalOutcome.BAD_RECORD);
    assertThat(ok.journal().records()).isEqualTo(2);
    assertThat(ok.journal().detail()).startsWith("record 3: ");
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(states.get(2)));
  }

  @Test
  void aRecordThatDoesNotMakeItsContentHashEndsTheReplay() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(3);
    List<String> lines = new ArrayList<>(journalLines());
    // a valid delta, but not the one written: its backend set differs
    lines.set(2, resigned(lines.get(1), lines.get(2).replace("9443", "9444"), r -> r));
    writeJournalLines(lines);

    StateFile.Loaded.Ok ok = read();

    assertThat(ok.journal().outcome()).isEqualTo(JournalOutcome.HASH_MISMATCH);
    assertThat(ok.journal().records()).isEqualTo(1);
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(states.get(1)));
  }

  @Test
  void aDamagedRecordThatWouldStillApplyFailsItsChecksum() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(3);
    List<String> lines = new ArrayList<>(journalLines());
    // a cursor a digit higher still applies and keeps the content hash: only the checksum catches it
    JsonObject record = new JsonObject(lines.get(2));
    long cursor = record.getLong("cursor");
    lines.set(2, lines.get(2).replace("\"cursor\":" + cursor + ",", "\"cursor\":" + (cursor + 10) + ","));
    writeJournalLines(lines);

    StateFile.Loaded.Ok ok = read();

    assertThat(ok.journal().outcome()).isEqualTo(JournalOutcome.BAD_RECORD);
    assertThat(ok.journal().detail()).isEqualTo("record 2: checksum differs or missing");
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(states.get(1)));
  }

  @Test
  void aRecordDroppedOrRepeatedBreaksTheChain() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(3);
    List<String> lines = new ArrayList<>(journalLines());
    lines.remove(2);
    writeJournalLines(lines);
    assertThat(read().journal()).isEqualTo(new StateJournal.Replay(JournalOutcome.BAD_RECORD, 1,
        "record 2: checksum differs or missing"));
    assertThat(read().state()).isEqualTo(wholeFileRoundTrip(states.get(1)));

    lines = new ArrayList<>(journalLines());
    lines.add(2, lines.get(1));
    writeJournalLines(lines);
    assertThat(read().journal().records()).isEqualTo(1);
  }

  @Test
  void aJournalOfAtMostTheRecordBoundIsKept() throws IOException {
    file = dir.resolve("state.json");
    writer = new StateJournalWriter(file, (part, n) -> writes.merge(part, 1, Integer::sum),
        StateJournalWriter.JOURNAL_FLOOR_BYTES, 3);
    List<ControlPlaneState> states = writeChanges(7);

    // base, 3 records, base, 3 records
    assertThat(writes.get(StateFilePart.BASE)).isEqualTo(2);
    assertThat(writes.get(StateFilePart.JOURNAL)).isEqualTo(6);
    assertThat(journalLines()).hasSize(4);
    assertThat(read().state()).isEqualTo(wholeFileRoundTrip(states.get(7)));
  }

  @Test
  void aCursorGoingBackwardsEndsTheReplay() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(3);
    List<String> lines = new ArrayList<>(journalLines());
    lines.set(3, resigned(lines.get(2), lines.get(3), r -> r.put("cursor", 1)));
    writeJournalLines(lines);

    StateFile.Loaded.Ok ok = read();

    assertThat(ok.journal().outcome()).isEqualTo(JournalOutcome.CURSOR_BACKWARDS);
    assertThat(ok.journal().records()).isEqualTo(2);
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(states.get(2)));
  }

  @Test
  void aJournalWhoseHeaderNamesAnotherBaseIsIgnored() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(3);
    // a crash after a new base and before its journal: the base is new, the journal the old one's
    ControlPlaneState newer = change(states.get(3), 99);
    StateFile.write(file, newer);

    StateFile.Loaded.Ok ok = read();

    assertThat(ok.journal().outcome()).isEqualTo(JournalOutcome.OTHER_BASE);
    assertThat(ok.journal().records()).isZero();
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(newer));
  }

  @Test
  void theSameStateRewrittenAsABaseIsAnotherBase() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(2);
    // same cursor and content, written again: its journal is not this base's
    StateFile.write(file, states.get(0));

    assertThat(read().journal().outcome()).isEqualTo(JournalOutcome.OTHER_BASE);
    assertThat(read().state()).isEqualTo(wholeFileRoundTrip(states.get(0)));
  }

  @Test
  void aJournalWithoutItsBaseIsNotRead() throws IOException {
    open();
    writeChanges(2);
    Files.delete(file);

    assertThat(StateFile.read(file)).isInstanceOf(StateFile.Loaded.Missing.class);
  }

  @Test
  void aJournalThatIsNotOneIsIgnored() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(2);
    Files.writeString(StateJournal.of(file), "{\"format\":\"something-else/1\"}\n");
    assertThat(read().journal().outcome()).isEqualTo(JournalOutcome.BAD_HEADER);
    Files.writeString(StateJournal.of(file), "{\"format\":\"ghost-ingress-jour");
    assertThat(read().journal().outcome()).isEqualTo(JournalOutcome.BAD_HEADER);
    Files.write(StateJournal.of(file), new byte[] {0, 1, 2, '\n'});
    assertThat(read().journal().outcome()).isEqualTo(JournalOutcome.BAD_HEADER);
    assertThat(read().state()).isEqualTo(wholeFileRoundTrip(states.get(0)));
    assertThat(writes.get(StateFilePart.BASE)).isEqualTo(1);
  }

  @Test
  void aJournalLargerThanItsWriterMakesItIsNotRead() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(1);
    List<String> lines = new ArrayList<>(journalLines());
    StringBuilder padding = new StringBuilder();
    while (padding.length() <= Files.size(file) + StateJournal.SIZE_SLACK_BYTES) {
      padding.append(lines.get(1)).append('\n');
    }
    Files.writeString(StateJournal.of(file), lines.get(0) + "\n" + padding);

    StateFile.Loaded.Ok ok = read();

    assertThat(ok.journal().outcome()).isEqualTo(JournalOutcome.TOO_LARGE);
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(states.get(0)));
  }

  @Test
  void aCursorGoingBackStartsANewBase() throws IOException {
    open();
    writeChanges(2);
    // a replay from event 0 served (a restored control plane): its cursor is below the one written
    ControlPlaneState replayed = change(ControlPlaneState.EMPTY, 7);

    writer.write(replayed);

    assertThat(writes.get(StateFilePart.BASE)).isEqualTo(2);
    assertThat(journalLines()).hasSize(1);
    StateFile.Loaded.Ok ok = read();
    assertThat(ok.journal()).isEqualTo(new StateJournal.Replay(JournalOutcome.REPLAYED, 0, null));
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(replayed));
  }

  @Test
  void anUnchangedStateWritesNothing() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(1);
    long before = Files.size(StateJournal.of(file));

    writer.write(states.get(1));

    assertThat(Files.size(StateJournal.of(file))).isEqualTo(before);
    assertThat(writes.get(StateFilePart.JOURNAL)).isEqualTo(1);
  }

  @Test
  void afterAFailedAppendTheNextWriteIsABase() throws IOException {
    open();
    List<ControlPlaneState> states = writeChanges(1);
    Files.delete(StateJournal.of(file)); // the append opens the journal without creating it: it fails

    assertThatThrownBy(() -> writer.write(change(states.get(1), 5))).isInstanceOf(IOException.class);
    ControlPlaneState next = change(change(states.get(1), 5), 6);
    writer.write(next);

    assertThat(writes.get(StateFilePart.BASE)).isEqualTo(2);
    StateFile.Loaded.Ok ok = read();
    assertThat(ok.journal().outcome()).isEqualTo(JournalOutcome.REPLAYED);
    assertThat(ok.state()).isEqualTo(wholeFileRoundTrip(next));
  }

  /**
   * Bytes written per change over 50 changes after the first base, at 100 and at 10 000 routes: bases rewritten
   * included, counted as the writer reports them. Rewriting the table per change (4 MB at 10 000 routes) fails it.
   */
  @Test
  void aChangeWritesBytesThatDoNotGrowWithTheTable() throws IOException {
    long small = bytesPerChange(100, "small");
    long large = bytesPerChange(10_000, "large");

    assertThat(large).as("bytes per change at 10 000 routes vs 100 (%d)", small).isLessThan(2 * small);
    assertThat(large).isLessThan(4096);
  }

  private long bytesPerChange(int routes, String name) throws IOException {
    Map<String, CpRoute> table = new java.util.HashMap<>();
    Map<String, List<Backend>> backends = new java.util.HashMap<>();
    for (int i = 0; i < routes; i++) {
      CpRoute r = ControlPlaneStateTest.route("rt_" + i, "env_" + i / 100, "r" + i + ".example.com", 443, i + 1);
      table.put(r.routeId(), r);
      backends.put(r.routeId(), List.of(new Backend("fd00::" + Integer.toHexString(i / 100 + 1), 8443),
          new Backend("fd00::" + Integer.toHexString(i / 100 + 1001), 8443)));
    }
    ControlPlaneState s = ControlPlaneState.restore(routes, table, Map.of(), backends, Map.of(), Map.of(), Map.of(),
        List.of());
    Map<StateFilePart, Long> counted = new EnumMap<>(StateFilePart.class);
    StateJournalWriter w = new StateJournalWriter(dir.resolve(name + ".json"), (part, n) -> counted.merge(part, n,
        Long::sum));
    w.write(s);
    counted.clear(); // the first base is the table's, once
    int changes = 50;
    for (int i = 0; i < changes; i++) {
      s = change(s, i);
      w.write(s);
    }
    return counted.values().stream().mapToLong(Long::longValue).sum() / changes;
  }

  @Test
  void recordsAreSingleJsonLines() throws IOException {
    open();
    writeChanges(2);
    byte[] journal = Files.readAllBytes(StateJournal.of(file));
    String text = new String(journal, StandardCharsets.UTF_8);
    assertThat(text).endsWith("\n");
    for (String line : text.split("\n")) {
      assertThat(new JsonObject(line)).isNotNull();
    }
    JsonObject record = new JsonObject(journalLines().get(1));
    assertThat(record.getString("content_hash")).hasSize(64);
    assertThat(record.getJsonObject("routes").fieldNames()).containsExactly("rt_j0");
  }
}
