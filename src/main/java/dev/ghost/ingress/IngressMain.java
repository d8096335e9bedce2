package dev.ghost.ingress;

import dev.ghost.ingress.admin.AdminCli;
import dev.ghost.ingress.config.CommandLine;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.ConfigLoader;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.config.Settings;
import dev.ghost.ingress.config.UsageException;
import dev.ghost.ingress.devcp.DevControlPlaneCommand;
import dev.ghost.ingress.workload.SampleWorkload;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code java -jar ingress.jar}: validates the command line and the configuration before anything starts (exit 2
 * and one line on stderr when they are wrong), then runs a node until SIGTERM or SIGINT.
 */
public final class IngressMain {

  /** Exit code for bad flags, files and values. */
  static final int EXIT_USAGE = 2;
  /** Exit code when a valid configuration cannot start (e.g. a configured address cannot be bound). */
  static final int EXIT_START_FAILED = 1;

  private static final String SUBCOMMANDS = String.join("\n",
      "subcommands:",
      "  sample-workload --listen HOST:PORT [--listen HOST:PORT ...] [--no-proxy-protocol]",
      "                 a TLS (HTTPS) demo workload that answers with the client address it learned",
      "                 from PROXY v2 (dev certificate for myapp.example.com)",
      DevControlPlaneCommand.USAGE,
      AdminCli.USAGE);

  private IngressMain() {}

  public static void main(String[] args) {
    System.setProperty("hazelcast.logging.type", "slf4j");
    int code = run(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  static int run(String[] args) {
    CommandLine cmd;
    try {
      cmd = CommandLine.parse(args);
    } catch (UsageException e) {
      System.err.println("ingress: " + e.getMessage());
      return EXIT_USAGE;
    }
    if (cmd instanceof CommandLine.Help) {
      System.out.println(CommandLine.USAGE + "\n" + SUBCOMMANDS);
      return 0;
    }
    if (cmd instanceof CommandLine.Version) {
      System.out.println("ghost-ingress " + Version.current());
      return 0;
    }
    if (cmd instanceof CommandLine.Subcommand sub) {
      return subcommand(sub);
    }
    return runNode((CommandLine.Run) cmd);
  }

  private static int subcommand(CommandLine.Subcommand sub) {
    if (sub.name().equals("sample-workload")) {
      return SampleWorkload.run(sub.args());
    }
    if (sub.name().equals("admin")) {
      return AdminCli.run(sub.args());
    }
    if (sub.name().equals("dev-control-plane")) {
      return DevControlPlaneCommand.run(sub.args());
    }
    System.err.println("ingress: unknown subcommand '" + sub.name() + "' (see --help)");
    return EXIT_USAGE;
  }

  private static int runNode(CommandLine.Run run) {
    IngressConfig config;
    try {
      config = loadConfig(run, System.getenv());
    } catch (ConfigException e) {
      System.err.println(e.oneLine());
      return EXIT_USAGE;
    }
    Logger log = LoggerFactory.getLogger(IngressMain.class);
    Settings.unknownEnvVars(System.getenv()).forEach(name ->
        log.atWarn().addKeyValue("variable", name).log("unknown GHOST_* environment variable ignored"));
    // handlers first: a SIGTERM that arrives while the node starts (a clustered start takes seconds) still closes
    // it cleanly once it is up, instead of killing the JVM with the default action
    CountDownLatch stop = trapSignals(log);
    IngressNode node;
    try {
      node = IngressNode.start(config, run.embeddedDefault() ? null : run.config(), System.getenv()).await();
    } catch (Exception e) {
      ConfigException bad = e instanceof ConfigException c ? c
          : e.getCause() instanceof ConfigException c ? c : null;
      if (bad != null) {
        // a setting that cannot be applied on this machine (e.g. no cluster bind host): like a bad value
        System.err.println(bad.oneLine());
        return EXIT_USAGE;
      }
      log.atError().addKeyValue("cause", String.valueOf(e.getMessage())).log("start-up failed");
      System.err.println("ingress: start-up failed: " + e.getMessage());
      return EXIT_START_FAILED;
    }
    awaitSignal(stop, node, log);
    return 0;
  }

  /** Validates and loads the configuration on a short-lived Vert.x that runs nothing else. */
  static IngressConfig loadConfig(CommandLine.Run run, Map<String, String> env) {
    Vertx loader = Vertx.vertx();
    try {
      return (run.embeddedDefault()
          ? ConfigLoader.loadDefault(loader, env)
          : ConfigLoader.load(loader, run.config(), env)).await();
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw ConfigLoader.asConfigException(run.embeddedDefault() ? ConfigLoader.DEFAULT_SOURCE
          : run.config().toString(), e);
    } finally {
      loader.close();
    }
  }

  /** Installs the SIGTERM/SIGINT handlers; the latch opens on the first signal, a second one exits at once. */
  private static CountDownLatch trapSignals(Logger log) {
    CountDownLatch stop = new CountDownLatch(1);
    SignalHandler handler = sig -> {
      if (stop.getCount() == 0) {
        log.atWarn().addKeyValue("signal", sig.getName()).log("second signal: exiting now");
        Runtime.getRuntime().halt(0);
      }
      log.atInfo().addKeyValue("signal", sig.getName()).log("shutting down");
      stop.countDown();
    };
    Signal.handle(new Signal("TERM"), handler);
    Signal.handle(new Signal("INT"), handler);
    return stop;
  }

  /** Runs until SIGTERM/SIGINT, then closes the node and exits 0. */
  private static void awaitSignal(CountDownLatch stop, IngressNode node, Logger log) {
    try {
      stop.await();
      node.close().await();
    } catch (Exception e) {
      log.atWarn().addKeyValue("cause", String.valueOf(e.getMessage())).log("shutdown interrupted");
    }
    log.atInfo().log("stopped");
    System.exit(0);
  }
}
