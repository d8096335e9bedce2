package dev.ghost.ingress.config;

/**
 * Why a config reload was refused; each value is one log line ({@code "config reload rejected"} with the file,
 * key and reason) and one label of {@code ghost_config_reload_failures_total{reason}}. The previous configuration
 * stays in force in every case.
 */
public enum ReloadFailure {
  /** The file is gone (deleted, or renamed away). */
  MISSING("missing"),
  /** The file exists but cannot be read (permissions, a directory). */
  UNREADABLE("unreadable"),
  /** The file does not parse (TOML/YAML/JSON syntax, a half-written file). */
  PARSE("parse"),
  /** The file parses but a key is unknown or a value is refused. */
  INVALID("invalid");

  private final String label;

  ReloadFailure(String label) {
    this.label = label;
  }

  /** The metric label and log value. */
  public String label() {
    return label;
  }

  /** Classifies a read failure (before validation) by its one-line reason. */
  static ReloadFailure ofRead(ConfigException e) {
    String reason = e.reason() == null ? "" : e.reason();
    if (reason.startsWith("no such file")) {
      return MISSING;
    }
    if (reason.startsWith("permission denied") || reason.startsWith("is a directory")) {
      return UNREADABLE;
    }
    return PARSE;
  }
}
