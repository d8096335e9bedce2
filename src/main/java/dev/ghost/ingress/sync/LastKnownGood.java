package dev.ghost.ingress.sync;

import dev.ghost.ingress.observe.IngressMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state file as the sync uses it: read once at start (each outcome reported on /v1/status, in its metric and
 * by one log line), then written behind the changes ({@link StateFileWriter}). Apart from the verticle because the
 * outcomes and their reporting are the file's business; the verticle only decides what serving a loaded state
 * means. Confined to the sync verticle's context.
 */
final class LastKnownGood {

  /** The sync's logger: operators and tests follow the sync's lines under one name. */
  private static final Logger LOG = LoggerFactory.getLogger(SyncVerticle.class);

  private final Context context;
  private final Path file;
  /** The read begun before the verticle deployed, or null to read the file at {@link #load}. */
  private final CompletionStage<StateFile.Loaded> early;
  private final RouteCap cap;
  private final SyncStatus status;
  private final IngressMetrics metrics;
  private final StateFileWriter writer;

  /**
   * @param context the sync verticle's context
   * @param file    {@code state.file}
   * @param early   the state file's read begun before the verticle deployed ({@link StateFile#read}), or null
   * @param cap     a loaded state above {@code control_plane.max_routes} is refused
   * @param status  where the load's outcome and each write are reported
   * @param metrics meters
   */
  LastKnownGood(Context context, Path file, CompletionStage<StateFile.Loaded> early, RouteCap cap,
      SyncStatus status, IngressMetrics metrics) {
    this.context = context;
    this.file = file;
    this.early = early;
    this.cap = cap;
    this.status = status;
    this.metrics = metrics;
    StateJournalWriter journal = new StateJournalWriter(file,
        (part, bytes) -> metrics.stateFileWritten(part.label(), bytes));
    this.writer = new StateFileWriter(context, journal::write, status::stateWritten, this::writeFailed);
  }

  /**
   * Reads the file and hands a valid one within the route cap to {@code serve}; any other outcome is reported and
   * the sync replays from event 0. Never fails: a file that cannot be read (or served) is reported as corrupt.
   */
  Future<Void> load(Function<ControlPlaneState, Future<Void>> serve) {
    Future<StateFile.Loaded> read = early != null ? Future.fromCompletionStage(early, context)
        : context.owner().executeBlocking(() -> StateFile.read(file));
    return read.compose(loaded -> {
      if (loaded instanceof StateFile.Loaded.Ok ok && !cap.admits(ok.state(), "the state file")) {
        loaded(StateFileOutcome.TOO_MANY_ROUTES, null);
      } else if (loaded instanceof StateFile.Loaded.Ok ok) {
        loaded(StateFileOutcome.OK, ok.writtenAt());
        served(ok);
        return serve.apply(ok.state());
      } else if (loaded instanceof StateFile.Loaded.Missing) {
        loaded(StateFileOutcome.MISSING, null);
      } else if (loaded instanceof StateFile.Loaded.Corrupt corrupt) {
        loaded(StateFileOutcome.CORRUPT, null);
        LOG.atWarn().addKeyValue("path", file.toString()).addKeyValue("reason", corrupt.reason())
            .log("state file ignored: corrupt; replaying from event 0");
      } else if (loaded instanceof StateFile.Loaded.ForeignVersion foreign) {
        loaded(StateFileOutcome.FOREIGN_VERSION, null);
        LOG.atWarn().addKeyValue("path", file.toString()).addKeyValue("version", foreign.version())
            .log("state file ignored: unknown format version; replaying from event 0");
      }
      return Future.<Void>succeededFuture();
    }).recover(err -> {
      LOG.atWarn().addKeyValue("path", file.toString()).addKeyValue("cause", String.valueOf(err.getMessage()))
          .log("state file unreadable; replaying from event 0");
      metrics.stateFileLoad(StateFileOutcome.CORRUPT.label());
      return Future.succeededFuture();
    });
  }

  /** Writes {@code snapshot} behind the changes, at most one write in flight. */
  void write(ControlPlaneState snapshot) {
    writer.submit(snapshot);
  }

  /** Writes the state not yet in the file now: a clean stop loses nothing. */
  Future<Void> flush() {
    return writer.flush();
  }

  /**
   * The one line saying what is served, with how the journal's replay went: a warning when records written for
   * this base are not served (a torn or bad record ends the replay; the sync replays the rest from the cursor).
   */
  private void served(StateFile.Loaded.Ok ok) {
    StateJournal.Replay replay = ok.journal();
    metrics.stateFileJournalReplay(replay.outcome().label(), replay.records());
    var line = replay.outcome().lostRecords() ? LOG.atWarn() : LOG.atInfo();
    line = line.addKeyValue("path", file.toString()).addKeyValue("cursor", ok.state().cursor())
        .addKeyValue("routes", ok.state().routes().size()).addKeyValue("journal", replay.outcome().label())
        .addKeyValue("journal_records", replay.records());
    if (replay.detail() != null) {
      line = line.addKeyValue("journal_detail", replay.detail());
    }
    line.log("serving last-known-good state");
  }

  /** How the state file at start turned out, on /v1/status and in its metric. */
  private void loaded(StateFileOutcome outcome, Instant writtenAt) {
    status.stateLoaded(outcome.label(), writtenAt);
    metrics.stateFileLoad(outcome.label());
  }

  private void writeFailed(Throwable err) {
    metrics.stateFileWriteFailure();
    status.stateWriteFailed(String.valueOf(err.getMessage()));
    LOG.atWarn().addKeyValue("path", file.toString()).addKeyValue("cause", String.valueOf(err.getMessage()))
        .log("state file not written; still serving");
  }
}
