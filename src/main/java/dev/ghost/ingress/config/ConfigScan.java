package dev.ghost.ingress.config;

import io.vertx.core.json.JsonObject;

/**
 * One read of the config file: its parsed content, or why it could not be read. Values compare by content, so two
 * scans that read the same file (or failed the same way) are equal.
 */
public sealed interface ConfigScan {

  /** The file parsed into {@code content} (not yet validated). */
  record Read(JsonObject content) implements ConfigScan {}

  /**
   * The file could not be read or parsed.
   *
   * @param reason the failure class
   * @param file   the file as named by the operator
   * @param key    the offending key, or null when the whole file is at fault
   * @param detail why, one line
   */
  record Failed(ReloadFailure reason, String file, String key, String detail) implements ConfigScan {

    static Failed of(ReloadFailure reason, ConfigException e) {
      return new Failed(reason, e.file(), e.key(), e.reason());
    }

    /** The failure as the one-line error the CLI would print. */
    ConfigException error() {
      return new ConfigException(file, key, detail);
    }
  }
}
