package dev.ghost.ingress.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Sets the root log level at runtime (config and the admin API). */
public final class LogLevels {

  private LogLevels() {}

  /** Applies {@code level} (trace|debug|info|warn|error, any case) to the root logger. */
  public static void apply(String level) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    }
  }

  /** The root logger's level, lower case. */
  public static String current() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      return ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel().toString().toLowerCase(java.util.Locale.ROOT);
    }
    return "unknown";
  }
}
