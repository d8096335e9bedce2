package dev.ghost.ingress.sync;

import java.util.Locale;

/**
 * The two files the state file is written as ({@link StateJournalWriter}): one closed list, each value one
 * {@code part} label of {@code ghost_state_file_written_bytes_total}.
 */
public enum StateFilePart {
  /** The whole state, rewritten when the journal is started again (with the new journal's header). */
  BASE,
  /** One change appended to the journal. */
  JOURNAL;

  /** The metric label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
