package dev.ghost.ingress.config;

import java.time.Duration;

/**
 * The duration grammar of every setting: {@code <integer><unit>} with unit {@code ms|s|m|h} ({@code 200ms},
 * {@code 5s}, {@code 30s}, {@code 2m}, {@code 1h}), or {@code 0} alone. No sign, no spaces, no fractions, no
 * compound values ({@code 1m30s}), lower-case units only.
 *
 * <p>{@link #parse} accepts zero in either form; whether zero is legal (and means "none/unlimited") is the caller's
 * decision per setting (see {@link Settings}). In a config file a duration is a string; the only integer accepted
 * there is a bare {@code 0} (see {@link ConfigLoader}).
 */
public final class Durations {

  /** The reason every parse failure carries, so error lines read the same for every key. */
  static final String GRAMMAR = "expected <integer><unit> with unit ms|s|m|h";

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException with a one-line reason, e.g.
   *     {@code expected <integer><unit> with unit ms|s|m|h, got '5 seconds'}
   */
  public static Duration parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException(GRAMMAR + ", got nothing");
    }
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    int digits = 0;
    while (digits < text.length() && text.charAt(digits) >= '0' && text.charAt(digits) <= '9') {
      digits++;
    }
    if (digits == 0 || digits == text.length()) {
      throw bad(text);
    }
    String unit = text.substring(digits);
    long amount;
    try {
      amount = Long.parseLong(text.substring(0, digits));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("duration too large: '" + text + "'");
    }
    try {
      switch (unit) {
        case "ms":
          return Duration.ofMillis(amount);
        case "s":
          return Duration.ofSeconds(amount);
        case "m":
          return Duration.ofMinutes(amount);
        case "h":
          return Duration.ofHours(amount);
        default:
          throw bad(text);
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("duration too large: '" + text + "'");
    }
  }

  /** Formats in the same grammar with the largest exact unit: {@code 0}, {@code 200ms}, {@code 5s}, {@code 2m}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  private static IllegalArgumentException bad(String text) {
    return new IllegalArgumentException(GRAMMAR + ", got '" + text + "'");
  }
}
