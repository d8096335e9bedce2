package dev.ghost.ingress.observe;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import java.util.Set;

/**
 * The node's logging, set up in code (found by logback through {@code META-INF/services}): JSON lines on stdout
 * ({@link JsonLineLayout}), the access log through a never-blocking asynchronous appender, and quiet libraries.
 *
 * <p>Code rather than a {@code logback.xml}: reading XML loads logback's configuration interpreter and the JDK's XML
 * parser, about 500 classes and a tenth of start-up, for a setup that never changes. A {@code logback-test.xml} on
 * the class path (the test suite's) or {@code -Dlogback.configurationFile} still takes precedence.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

  /** Lines in flight to stdout before access log lines are dropped rather than block an event loop. */
  static final int ACCESS_QUEUE = 8192;

  /** Libraries' loggers and their levels: their INFO is noise at the edge. */
  static final Map<String, Level> QUIET = Map.of(
      "io.netty", Level.WARN,
      "io.vertx", Level.WARN,
      "com.hazelcast", Level.WARN,
      "com.hazelcast.cp.CPSubsystem", Level.ERROR,
      // one harmless "Gauge already registered" line per Vert.x server
      "io.micrometer.core.instrument.MeterRegistry", Level.ERROR);

  /**
   * Library lines (logger, message) that only repeat a failure the library also hands back to our code, which logs
   * it once with its reason: one failure, one line. Vert.x logs a clustered start that cannot bind its event bus and
   * fails the start's future with the same exception.
   */
  static final Map<String, Set<String>> ECHOES = Map.of(
      "io.vertx.core.impl.VertxImpl", Set.of("Failed to initialize clustered Vert.x"));

  private final ClassLoader resources;

  /** The instance logback's service lookup makes. */
  public LogSetup() {
    this(LogSetup.class.getClassLoader());
  }

  /** @param resources where a {@code logback-test.xml} would be found */
  LogSetup(ClassLoader resources) {
    this.resources = resources;
  }

  @Override
  public ExecutionStatus configure(LoggerContext ctx) {
    if (explicitConfiguration()) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    ConsoleAppender<ILoggingEvent> stdout = stdout(ctx);
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(stdout);
    Logger access = ctx.getLogger(AccessLog.LOGGER);
    access.setLevel(Level.INFO);
    access.setAdditive(false);
    access.addAppender(async(ctx, stdout));
    QUIET.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * Names the node on every line from now on ({@link JsonLineLayout#NODE_ID}); called once the node's id is known.
   * Lines are written by logback's one context per JVM, so this is the one place the id can live.
   */
  public static void nameNode(String nodeId) {
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.putProperty(JsonLineLayout.NODE_ID, nodeId);
    }
  }

  private boolean explicitConfiguration() {
    return System.getProperty("logback.configurationFile") != null || resources.getResource("logback-test.xml") != null;
  }

  private static ConsoleAppender<ILoggingEvent> stdout(LoggerContext ctx) {
    JsonLineLayout layout = new JsonLineLayout();
    layout.setContext(ctx);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(ctx);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(ctx);
    appender.setName("STDOUT");
    appender.setEncoder(encoder);
    appender.addFilter(new Filter<>() {
      @Override
      public FilterReply decide(ILoggingEvent e) {
        return isEcho(e) ? FilterReply.DENY : FilterReply.NEUTRAL;
      }
    });
    appender.start();
    return appender;
  }

  static boolean isEcho(ILoggingEvent e) {
    return ECHOES.getOrDefault(e.getLoggerName(), Set.of()).contains(e.getMessage());
  }

  private static AsyncAppender async(LoggerContext ctx, ConsoleAppender<ILoggingEvent> target) {
    AsyncAppender appender = new AsyncAppender();
    appender.setContext(ctx);
    appender.setName("ACCESS");
    appender.setQueueSize(ACCESS_QUEUE);
    appender.setDiscardingThreshold(0);
    appender.setNeverBlock(true);
    appender.addAppender(target);
    appender.start();
    return appender;
  }
}
