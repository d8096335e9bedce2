package dev.ghost.ingress.sync;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;

/**
 * What the sync is doing, for {@code /v1/status} and metrics. Written by the sync verticle, read from anywhere.
 */
public final class SyncStatus {

  /**
   * How the node learns about changes right now; {@code FOLLOWING}: a clustered node that is not the leader takes
   * the leader's snapshots from the cluster and does not talk to the control plane.
   */
  public enum Mode { DISABLED, STARTING, STREAMING, POLLING, BACKOFF, FOLLOWING }

  private volatile Mode mode = Mode.DISABLED;
  private volatile long cursor;
  private volatile Instant lastSuccess;
  private volatile String lastError;
  private volatile Instant stateWrittenAt;
  private volatile String statePath;
  private volatile String stateLoad = "none";
  private volatile String stateWriteError;

  public Mode mode() {
    return mode;
  }

  void mode(Mode m) {
    mode = m;
  }

  void cursor(long c) {
    cursor = c;
  }

  public long cursor() {
    return cursor;
  }

  void success() {
    lastSuccess = Instant.now();
  }

  void error(String what) {
    lastError = what;
  }

  void statePath(String path) {
    statePath = path;
  }

  void stateLoaded(String outcome, Instant writtenAt) {
    stateLoad = outcome;
    if (writtenAt != null) {
      stateWrittenAt = writtenAt;
    }
  }

  void stateWritten(Instant at) {
    stateWrittenAt = at;
    stateWriteError = null;
  }

  void stateWriteFailed(String why) {
    stateWriteError = why;
  }

  /** Unix time (seconds) of the last successful control-plane read; 0 before the first. */
  public double lastSuccessTimestampSeconds() {
    return epochSeconds(lastSuccess);
  }

  /** Unix time (seconds) at which the state in force was written; 0 when there is none. */
  public double stateWrittenTimestampSeconds() {
    return epochSeconds(stateWrittenAt);
  }

  private static double epochSeconds(Instant t) {
    return t == null ? 0 : t.toEpochMilli() / 1000.0;
  }

  /** Seconds since the state file was last written (or, at start, written before loading), -1 when none. */
  public double stateAgeSeconds() {
    Instant t = stateWrittenAt;
    return t == null ? -1 : Duration.between(t, Instant.now()).toMillis() / 1000.0;
  }

  /** The state file format version in use (1), or 0 when there is no state file yet. */
  public int stateVersion() {
    return stateWrittenAt == null ? 0 : 1;
  }

  public JsonObject syncJson() {
    return new JsonObject()
        .put("state", mode.name().toLowerCase(java.util.Locale.ROOT))
        .put("cursor", cursor)
        .put("last_success_at", lastSuccess == null ? null : lastSuccess.toString())
        .put("last_error", lastError);
  }

  public JsonObject stateFileJson() {
    return new JsonObject()
        .put("enabled", statePath != null)
        .put("path", statePath)
        .put("loaded", stateLoad)
        .put("version", stateVersion())
        .put("age_s", stateAgeSeconds() < 0 ? null : stateAgeSeconds())
        .put("write_error", stateWriteError);
  }
}
