package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The production logging set up in code: found by logback's service lookup, JSON lines on stdout, the access log
 * asynchronous and never blocking, libraries quiet; and out of the way when the test suite's logback-test.xml is
 * on the class path.
 */
class LogSetupTest {

  @Test
  void logbackFindsItThroughTheServiceLoader() {
    assertThat(ServiceLoader.load(Configurator.class).stream().map(p -> p.type().getName()))
        .containsExactly(LogSetup.class.getName());
  }

  @Test
  void defersToTheTestSuitesXml() {
    // this class path has src/test/resources/logback-test.xml
    LoggerContext ctx = new LoggerContext();
    assertThat(new LogSetup().configure(ctx)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(ctx.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
  }

  @Test
  void withoutAnExplicitConfigurationSetsUpJsonLinesAndANeverBlockingAccessLog() {
    LoggerContext ctx = new LoggerContext();
    Configurator.ExecutionStatus status = new LogSetup(hidingTestXml()).configure(ctx);
    assertThat(status).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    Appender<ILoggingEvent> stdout = root.getAppender("STDOUT");
    assertThat(stdout).isInstanceOf(ConsoleAppender.class);
    assertThat(((LayoutWrappingEncoder<?>) ((ConsoleAppender<?>) stdout).getEncoder()).getLayout())
        .isInstanceOf(JsonLineLayout.class);

    Logger access = ctx.getLogger(AccessLog.LOGGER);
    assertThat(access.isAdditive()).isFalse();
    AsyncAppender async = (AsyncAppender) access.getAppender("ACCESS");
    assertThat(async.isNeverBlock()).isTrue();
    assertThat(async.getQueueSize()).isEqualTo(LogSetup.ACCESS_QUEUE);
    assertThat(async.getDiscardingThreshold()).isZero();
    assertThat(async.getAppender("STDOUT")).isSameAs(stdout);

    LogSetup.QUIET.forEach((name, level) -> assertThat(ctx.getLogger(name).getLevel()).isEqualTo(level));
    ctx.stop();
  }

  /** A class loader that does not see the test suite's logback-test.xml. */
  private static ClassLoader hidingTestXml() {
    assertThat(System.getProperty("logback.configurationFile")).isNull();
    return new ClassLoader(LogSetup.class.getClassLoader()) {
      @Override
      public java.net.URL getResource(String name) {
        return "logback-test.xml".equals(name) ? null : super.getResource(name);
      }
    };
  }
}
