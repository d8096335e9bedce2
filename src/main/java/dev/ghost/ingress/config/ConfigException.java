package dev.ghost.ingress.config;

/**
 * A configuration that cannot be used: a missing or unreadable file, a syntax error, an unknown key or a bad value.
 * {@link #oneLine()} is what the CLI prints before exiting with code 2, e.g.
 * {@code conf/x.toml: proxy.sniff_timeout: expected <integer><unit> with unit ms|s|m|h, got '5 seconds'}.
 *
 * <p>{@link #file()} is the config file as the operator named it, or {@value #ENVIRONMENT} when an environment
 * variable is at fault (then {@link #key()} is the variable's name). {@link #key()} is a dotted TOML key with array
 * indexes ({@code route[2].backends[0]}), or null when the whole file is at fault.
 */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The {@link #file()} of errors caused by an environment variable. */
  public static final String ENVIRONMENT = "environment";

  private final String file;
  private final String key;
  private final String reason;

  public ConfigException(String file, String key, String reason) {
    this(file, key, reason, null);
  }

  public ConfigException(String file, String key, String reason, Throwable cause) {
    super(format(file, key, reason), cause);
    this.file = file;
    this.key = key;
    this.reason = reason;
  }

  /** The config file as named by the operator, or {@value #ENVIRONMENT}. */
  public String file() {
    return file;
  }

  /** The offending key or environment variable, or null when the whole file is at fault. */
  public String key() {
    return key;
  }

  /** Why the value is refused, one line. */
  public String reason() {
    return reason;
  }

  /** {@code file: key: reason} (or {@code file: reason}), never more than one line. */
  public String oneLine() {
    return getMessage();
  }

  private static String format(String file, String key, String reason) {
    String line = key == null ? file + ": " + reason : file + ": " + key + ": " + reason;
    return line.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
