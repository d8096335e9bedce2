package dev.ghost.ingress.sync;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The state file's journal (docs/control-plane.md, "Last-known-good"): beside the base ({@link StateFile}, the
 * whole state), an append-only file {@code <state.file>.journal} of JSON lines holding the changes written since,
 * so a change costs its own bytes on disk instead of the table's (55 MB at 100 000 routes).
 *
 * <p>The first line names the base the journal extends; each further line is one {@link StateDelta} with the
 * content hash of the state after it, the time it was written and a checksum chained from the line before:
 * <pre>{@code
 * {"format":"ghost-ingress-journal/1","base_cursor":44,"base_content_hash":"9f…",
 *  "base_written_at":"2025-12-20T10:00:00Z"}
 * {"cursor":45,"routes":{…},"removed_routes":[…],…,"content_hash":"3b…",
 *  "written_at":"2025-12-20T10:00:01Z","crc32c":"1c2d3e4f"}
 * }</pre>
 * A journal is replayed onto its base only: one whose header names another base (a crash after a new base and
 * before its journal) is ignored. The records are applied in order, each checked (its chained checksum, a delta
 * of this format, a cursor not below the one before, the content hash after it equal to the record's); the first
 * that fails, or a last line cut short by a crash mid-append, ends the replay and the records before it are served:
 * never more than the writer wrote, never a record applied to a state it was not written against.
 *
 * (Each is one line in the file, wrapped here.) Public for {@link Replay} only, which {@link StateFile.Loaded.Ok}
 * carries; blocking I/O: call from a worker thread.
 */
public final class StateJournal {

  /** The value of the header's {@code format} field this version writes and reads. */
  static final String FORMAT = "ghost-ingress-journal/1";
  /** Appended to the state file's name. */
  static final String SUFFIX = ".journal";
  /**
   * A journal larger than its base by more than this is refused unread: the writer starts a new base before the
   * journal reaches half the base or 64 KiB ({@link StateJournalWriter}), so only something else could have made it.
   */
  static final long SIZE_SLACK_BYTES = 1 << 20;

  private StateJournal() {}

  /** The journal of the state file {@code base}. */
  static Path of(Path base) {
    return base.resolveSibling(base.getFileName() + SUFFIX);
  }

  /** What a replay found: its outcome, the records applied, and what was wrong (null when nothing). */
  public record Replay(JournalOutcome outcome, int records, String detail) {
    /** No journal: the base alone. */
    static final Replay NONE = new Replay(JournalOutcome.NONE, 0, null);
  }

  // ---- encoding

  /** A line as written, and the checksum the next record chains from. */
  record Line(byte[] bytes, int chain) {}

  /** The header line of a journal extending the base {@code state} written at {@code writtenAt}. */
  static Line header(ControlPlaneState state, Instant writtenAt) {
    JsonObject json = new JsonObject().put("format", FORMAT).put("base_cursor", state.cursor())
        .put("base_content_hash", state.contentHash()).put("base_written_at", writtenAt.toString());
    byte[] line = (json.encode() + "\n").getBytes(StandardCharsets.UTF_8);
    return new Line(line, crc(0, line, 0, line.length - 1));
  }

  /**
   * The record line of {@code delta}, which makes a state of {@code contentHash}, written at {@code writtenAt},
   * after the line whose chain value is {@code previous}; it ends with its checksum ({@link #CHECK}).
   */
  static Line record(StateDelta delta, String contentHash, Instant writtenAt, int previous) {
    return signed(delta.toJson().put("content_hash", contentHash).put("written_at", writtenAt.toString()),
        previous);
  }

  /**
   * The line of {@code record} ended by its checksum, chained from {@code previous}. The JSON encoder escapes line
   * breaks inside strings, so the only newline is the last byte.
   */
  static Line signed(JsonObject record, int previous) {
    String json = record.encode();
    byte[] body = json.substring(0, json.length() - 1).getBytes(StandardCharsets.UTF_8);
    int crc = crc(previous, body, 0, body.length);
    byte[] tail = (CHECK + String.format("%08x", crc) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    byte[] line = Arrays.copyOf(body, body.length + tail.length);
    System.arraycopy(tail, 0, line, body.length, tail.length);
    return new Line(line, crc);
  }

  /**
   * A record's last field, {@code "crc32c"}: the CRC-32C of the previous line's checksum (the header's: of its
   * bytes) and of this line's bytes before the field, as 8 hex digits. The content hash covers the routing content
   * only; the checksum also catches a damaged cursor or bookkeeping, and the chain a record dropped, repeated or
   * moved, any of which could otherwise apply and serve a state never written.
   */
  static final String CHECK = ",\"crc32c\":\"";
  private static final byte[] CHECK_BYTES = CHECK.getBytes(StandardCharsets.UTF_8);
  /** The checksum field's length at the end of a record: {@code ,"crc32c":"}, 8 hex digits, {@code "}}. */
  private static final int CHECK_LENGTH = CHECK_BYTES.length + 8 + 2;

  private static int crc(int previous, byte[] bytes, int from, int length) {
    CRC32C crc = new CRC32C();
    crc.update(new byte[] {(byte) (previous >>> 24), (byte) (previous >>> 16), (byte) (previous >>> 8),
        (byte) previous});
    crc.update(bytes, from, length);
    return (int) crc.getValue();
  }

  /**
   * True when the record at {@code bytes[from, from + length)} ends with the checksum of what precedes it chained
   * from {@code previous}.
   */
  private static boolean checksumOk(byte[] bytes, int from, int length, int previous) {
    int check = from + length - CHECK_LENGTH;
    if (length < CHECK_LENGTH || !Arrays.equals(bytes, check, check + CHECK_BYTES.length, CHECK_BYTES, 0,
        CHECK_BYTES.length) || bytes[from + length - 2] != '"' || bytes[from + length - 1] != '}') {
      return false;
    }
    int value = 0;
    for (int i = check + CHECK_BYTES.length; i < from + length - 2; i++) {
      int digit = Character.digit(bytes[i], 16);
      if (digit < 0 || Character.isUpperCase(bytes[i])) {
        return false;
      }
      value = value << 4 | digit;
    }
    return value == crc(previous, bytes, from, check - from);
  }

  /** The chain value of the checked record at {@code bytes[from, from + length)}. */
  private static int chainOf(byte[] bytes, int from, int length) {
    return Integer.parseUnsignedInt(new String(bytes, from + length - 10, 8, StandardCharsets.US_ASCII), 16);
  }

  // ---- replay

  /**
   * The base read from {@code baseFile} with its journal's records applied, and how the replay went. Never throws:
   * whatever the journal holds, the result is the base or a state the writer wrote after it.
   */
  static StateFile.Loaded.Ok replay(Path baseFile, StateFile.Loaded.Ok base) {
    Path journal = of(baseFile);
    byte[] bytes;
    try {
      long size = Files.size(journal);
      long limit = Files.size(baseFile) + SIZE_SLACK_BYTES;
      if (size > limit) {
        return with(base, new Replay(JournalOutcome.TOO_LARGE, 0, size + " bytes, limit " + limit));
      }
      bytes = Files.readAllBytes(journal);
    } catch (NoSuchFileException e) {
      return base;
    } catch (IOException | RuntimeException e) {
      return with(base, new Replay(JournalOutcome.UNREADABLE, 0, e.toString()));
    }
    return replay(bytes, base);
  }

  /** Like {@link #replay(Path, StateFile.Loaded.Ok)}, from the journal's bytes. Never throws. */
  static StateFile.Loaded.Ok replay(byte[] bytes, StateFile.Loaded.Ok base) {
    Lines lines = new Lines(bytes);
    String problem = headerProblem(lines.next() ? lines.text() : null, base);
    if (problem != null) {
      JournalOutcome outcome = problem.isEmpty() ? JournalOutcome.OTHER_BASE : JournalOutcome.BAD_HEADER;
      return with(base, new Replay(outcome, 0, problem.isEmpty() ? null : problem));
    }
    int headerChain = crc(0, bytes, lines.from, lines.length);
    ControlPlaneState state = base.state();
    Instant writtenAt = base.writtenAt();
    int chain = headerChain;
    int applied = 0;
    while (lines.next()) {
      boolean checked = checksumOk(bytes, lines.from, lines.length, chain);
      Step step = checked ? apply(state, bytes, lines.from, lines.length)
          : Step.failed(JournalOutcome.BAD_RECORD, "checksum differs or missing");
      if (step.failure != null) {
        return new StateFile.Loaded.Ok(state, writtenAt,
            new Replay(step.failure, applied, "record " + (applied + 1) + ": " + step.detail));
      }
      state = step.state;
      writtenAt = step.writtenAt;
      chain = chainOf(bytes, lines.from, lines.length);
      applied++;
    }
    Replay replay = lines.torn()
        ? new Replay(JournalOutcome.TORN_TAIL, applied, "record " + (applied + 1) + " incomplete")
        : new Replay(JournalOutcome.REPLAYED, applied, null);
    return new StateFile.Loaded.Ok(state, writtenAt, replay);
  }

  /** Null when {@code line} is a header naming {@code base}; "" when it names another base; else what is wrong. */
  private static String headerProblem(String line, StateFile.Loaded.Ok base) {
    if (line == null) {
      return "no complete header line";
    }
    try {
      JsonObject h = new JsonObject(line);
      if (!FORMAT.equals(h.getValue("format"))) {
        return "not a journal of format " + FORMAT;
      }
      boolean same = StateFile.number(h, "base_cursor") == base.state().cursor()
          && base.state().contentHash().equals(StateFile.text(h, "base_content_hash", true))
          && Instant.parse(StateFile.text(h, "base_written_at", true)).equals(base.writtenAt());
      return same ? null : "";
    } catch (DecodeException e) {
      return "header is not a JSON object"; // the parser's message may quote the bytes: never logged
    } catch (DateTimeParseException e) {
      return "base_written_at is not an ISO-8601 instant";
    } catch (RuntimeException e) {
      return "bad header: " + e.getMessage();
    }
  }

  /** One record applied to {@code state}: the next state and its time, or why the replay ends here. */
  private record Step(ControlPlaneState state, Instant writtenAt, JournalOutcome failure, String detail) {
    static Step failed(JournalOutcome failure, String detail) {
      return new Step(null, null, failure, detail);
    }
  }

  private static Step apply(ControlPlaneState state, byte[] bytes, int from, int length) {
    try {
      JsonObject json = StateFileStream.object(bytes, from, length);
      String hash = StateFile.text(json, "content_hash", true);
      Instant writtenAt = Instant.parse(StateFile.text(json, "written_at", true));
      StateDelta delta = StateDelta.fromJson(json);
      if (delta.cursor() < state.cursor()) {
        return Step.failed(JournalOutcome.CURSOR_BACKWARDS, "cursor " + delta.cursor() + " < " + state.cursor());
      }
      ControlPlaneState next = delta.applyTo(state);
      if (!next.contentHash().equals(hash)) {
        return Step.failed(JournalOutcome.HASH_MISMATCH, "content hash differs");
      }
      return new Step(next, writtenAt, null, null);
    } catch (DateTimeParseException e) {
      return Step.failed(JournalOutcome.BAD_RECORD, "written_at is not an ISO-8601 instant");
    } catch (RuntimeException e) {
      // a decode error, StateFile.Bad, or the IllegalArgumentException of a delta that is not one or does not apply
      return Step.failed(JournalOutcome.BAD_RECORD, String.valueOf(e.getMessage()));
    }
  }

  private static StateFile.Loaded.Ok with(StateFile.Loaded.Ok base, Replay replay) {
    return new StateFile.Loaded.Ok(base.state(), base.writtenAt(), replay);
  }

  /** The complete lines of a journal in order; a last line without its newline is torn, never a line. */
  private static final class Lines {
    private final byte[] bytes;
    private int at;
    /** The current line: where it starts and its length without the newline. */
    int from;
    int length;

    Lines(byte[] bytes) {
      this.bytes = bytes;
    }

    /** Moves to the next complete line; false when there is none. */
    boolean next() {
      for (int i = at; i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          from = at;
          length = i - at;
          at = i + 1;
          return true;
        }
      }
      return false;
    }

    /** The current line's text. */
    String text() {
      return new String(bytes, from, length, StandardCharsets.UTF_8);
    }

    /** True when bytes are left after the last complete line (call once {@link #next} gave false). */
    boolean torn() {
      return at < bytes.length;
    }
  }
}
