package dev.ghost.ingress.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Writes the state file as a base and a journal ({@link StateJournal}; docs/control-plane.md, "Last-known-good"):
 * each state is appended to the journal as the change from the last state written, fsynced, so a change costs its
 * own bytes; a new base (and an empty journal naming it) is written first, when the cursor goes back (a replay from
 * event 0), after a failed write, and when the journal would grow past {@link #JOURNAL_SHARE} of the base's bytes
 * (or {@value #JOURNAL_FLOOR_BYTES} bytes, if more), past {@value #JOURNAL_MAX_BYTES} bytes or past
 * {@value #MAX_RECORDS} records. While the share bounds it, the bytes written per change are at most about three
 * times the change's record (the record, plus the base amortised over the records it takes to reach half of it),
 * whatever the table size; the fixed bounds, which keep a start's replay short, add the base's bytes over
 * {@value #MAX_RECORDS} changes above about 15 000 routes (13 kB a change at 100 000 routes, against 54 MB a write
 * before the journal).
 *
 * <p>Crash safety, step by step: the base is replaced atomically (temp file, fsync, rename), then the new journal
 * the same way; a crash between the two leaves the old journal, whose header names the old base, so it is ignored.
 * An append is one write of a whole line then an fsync; a crash mid-append leaves a torn last line, which a read
 * drops. After a failed write nothing more is appended to that journal: the next write starts a new base.
 *
 * <p>The change is found along the states' lineage ({@link StateDelta#diff}), so it costs the change; when more than
 * {@value ControlPlaneState#MAX_LINEAGE} states were made between two writes, or a rebuild was swapped in, the
 * whole maps are compared instead (0.1-0.25 s at 100 000 routes, on the writer's worker thread; still no encoding of
 * the table).
 *
 * <p>Blocking I/O, one write at a time ({@link StateFileWriter} calls it from worker threads, one in flight).
 */
final class StateJournalWriter {

  /** A new base is written before the journal grows past this share of the base's bytes ... */
  static final double JOURNAL_SHARE = 0.5;
  /** ... or past this many bytes when that is more: a small table's base is not rewritten at every change ... */
  static final long JOURNAL_FLOOR_BYTES = 64 * 1024;
  /**
   * ... and in any case past this many bytes or {@link #MAX_RECORDS} records, which bound a start's replay whatever
   * the table size: a 1 kB record costs from 40 µs to replay (warm, in process) to 0.7 ms (a fresh JVM compiling on
   * two busy cores; JournalReadBench), so half of a 100 000-route base (27 000 records) would have added seconds to
   * a 3 s start.
   */
  static final long JOURNAL_MAX_BYTES = 8 * 1024 * 1024;
  /** See {@link #JOURNAL_MAX_BYTES}: at 100 000 routes this bound comes first, a 54 MB base every 4 096 changes. */
  static final int MAX_RECORDS = 4096;

  /** What was written, for the meters. */
  interface Written {
    /** {@code bytes} written as a new base (with its journal's header) or as one journal record. */
    void bytes(StateFilePart part, long bytes);
  }

  private final Path file;
  private final Path journal;
  private final Written written;
  private final long floorBytes;
  private final int maxRecords;
  /** The last state written (base plus journal), or null: the next write is a base. */
  private ControlPlaneState last;
  private long baseBytes;
  private long journalBytes;
  private int records;
  /** The chain value of the journal's last line ({@link StateJournal#CHECK}). */
  private int chain;

  /**
   * @param file    the state file (the base); the journal is {@link StateJournal#of} it
   * @param written told of each write's bytes
   */
  StateJournalWriter(Path file, Written written) {
    this(file, written, JOURNAL_FLOOR_BYTES, MAX_RECORDS);
  }

  /** Like the other constructor, with other bounds on a journal (tests). */
  StateJournalWriter(Path file, Written written, long floorBytes, int maxRecords) {
    this.file = file;
    this.journal = StateJournal.of(file);
    this.written = written;
    this.floorBytes = floorBytes;
    this.maxRecords = maxRecords;
  }

  /** Writes {@code state}: a record of the change since the last state written, or a new base. */
  synchronized void write(ControlPlaneState state) throws IOException {
    if (last == null || state.cursor() < last.cursor()) {
      writeBase(state);
      return;
    }
    StateDelta delta = StateDelta.diff(last, state);
    if (delta.isEmpty() && delta.cursor() == last.cursor()) {
      last = state; // nothing the file holds changed (e.g. only patches held for routes not created yet)
      return;
    }
    StateJournal.Line record = StateJournal.record(delta, state.contentHash(), Instant.now(), chain);
    int length = record.bytes().length;
    if (records >= maxRecords || journalBytes + length > bound()) {
      writeBase(state);
      return;
    }
    append(record.bytes());
    last = state;
    chain = record.chain();
    journalBytes += length;
    records++;
    written.bytes(StateFilePart.JOURNAL, length);
  }

  /** The bytes the journal may reach (its header included) before a new base is written. */
  private double bound() {
    return Math.min(Math.max(baseBytes * JOURNAL_SHARE, floorBytes), JOURNAL_MAX_BYTES);
  }

  private void writeBase(ControlPlaneState state) throws IOException {
    last = null; // until both files are written, whatever fails
    Instant at = Instant.now();
    long bytes = StateFile.write(file, state, at);
    StateJournal.Line header = StateJournal.header(state, at);
    StateFile.replace(journal, header.bytes());
    last = state;
    chain = header.chain();
    baseBytes = bytes;
    journalBytes = header.bytes().length;
    records = 0;
    written.bytes(StateFilePart.BASE, bytes + journalBytes);
  }

  private void append(byte[] record) throws IOException {
    try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(record);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    } catch (IOException e) {
      last = null; // a torn line may be left: never append after it
      throw e;
    }
  }
}
