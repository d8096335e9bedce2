package dev.ghost.ingress.sync;

import java.util.Locale;

/**
 * How the state file's journal was replayed at start (docs/control-plane.md, "Last-known-good"): one closed list,
 * each value one {@code outcome} label of {@code ghost_state_file_journal_replays_total} and the {@code journal}
 * field of the start's log line. Whatever the outcome, the base is served with the records applied before the
 * first problem (none for the outcomes that ignore the journal); the replay never fails the load.
 */
public enum JournalOutcome {
  /** No journal beside the base: the base alone is the state. */
  NONE,
  /** Every record applied. */
  REPLAYED,
  /** The header names another base (a crash between a new base and its journal): journal ignored. */
  OTHER_BASE,
  /** The first line is not a journal header of this format: journal ignored. */
  BAD_HEADER,
  /** The journal is larger than its writer ever lets it grow: ignored, not read. */
  TOO_LARGE,
  /** The journal could not be read: ignored. */
  UNREADABLE,
  /** The last record is incomplete (a crash mid-append): the records before it are served. */
  TORN_TAIL,
  /** A record is not a state delta, or does not apply to the state before it: the records before it are served. */
  BAD_RECORD,
  /** A record's cursor is below the one before it: the records before it are served. */
  CURSOR_BACKWARDS,
  /** The state after a record has another content hash than the record says: the records before it are served. */
  HASH_MISMATCH;

  /** The metric label and the log field's value. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * True when records the writer wrote for this base are not served, or may not be (logged as a warning): a
   * journal ignored for what it holds or a tail dropped. Not for another base's journal, which a crash between a
   * new base and its journal leaves and which holds nothing newer than the base.
   */
  public boolean lostRecords() {
    return this != NONE && this != REPLAYED && this != OTHER_BASE;
  }
}
