package dev.ghost.ingress;

import dev.ghost.ingress.admin.AdminCli;
import dev.ghost.ingress.admin.AdminCommand;
import dev.ghost.ingress.config.CommandLine;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.ConfigLoader;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.config.Settings;
import dev.ghost.ingress.config.UsageException;
import dev.ghost.ingress.devcp.DevControlPlaneCommand;
import dev.ghost.ingress.observe.LogSetup;
import dev.ghost.ingress.workload.SampleWorkload;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code java -jar ingress.jar}: validates the command line and the configuration before anything starts (exit 2
 * and one line on stderr when they are wrong), then runs a node until it has drained.
 *
 * <p>Shutdown: the first SIGTERM or SIGINT, or the admin "drain node" command, starts the node's graceful drain
 * ({@link IngressNode#drain}); once it has closed the node the process exits 0. A second signal exits at once,
 * also with 0 ({@code Runtime.halt}: no shutdown hooks, open connections are reset by the kernel). The signals are
 * handled here rather than by a shutdown hook, which would exit 143 and could not see the second signal. SIGHUP
 * re-reads the config file ({@link HangupReload}).
 */
public final class IngressMain {

  /** Exit code for bad flags, files and values. */
  static final int EXIT_USAGE = 2;
  /** Exit code when a valid configuration cannot start (e.g. a configured address cannot be bound). */
  static final int EXIT_START_FAILED = 1;

  /**
   * A subcommand: its name, its usage lines (for both help texts), what runs it, and the words that may follow it
   * besides the options its usage names (shell completion).
   */
  private record Sub(String name, String usage, Function<List<String>, Integer> run, List<String> words) {}

  private static final String COMPLETION_USAGE = String.join("\n",
      "  completion bash",
      "                 print a bash completion script for a 'ghost-ingress' command that runs this jar");

  /** Every subcommand, in the order {@code --help} lists them: the one list dispatch, help and completion use. */
  private static final List<Sub> SUBS = List.of(
      new Sub("sample-workload", SampleWorkload.USAGE, SampleWorkload::run, List.of()),
      new Sub("check", CheckCommand.USAGE, args -> CheckCommand.run(args, System.getenv(), System.out, System.err),
          List.of()),
      new Sub("dev-control-plane", DevControlPlaneCommand.USAGE, DevControlPlaneCommand::run, List.of()),
      new Sub("admin", AdminCli.USAGE, AdminCli::run,
          java.util.Arrays.stream(AdminCommand.values()).map(AdminCommand::word).toList()),
      new Sub("completion", COMPLETION_USAGE, IngressMain::completion, List.of("bash")));

  private static final String SUBCOMMANDS = "subcommands:\n"
      + SUBS.stream().map(Sub::usage).collect(Collectors.joining("\n"));

  private static final String SIGNALS = String.join("\n",
      "signals (a running node):",
      "  SIGHUP          re-read the config file, as 'admin reload' does (a broken file is refused and logged,",
      "                  the configuration in force stays)",
      "  SIGTERM, SIGINT graceful drain, then exit 0; a second one exits at once");

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
      System.out.println(CommandLine.USAGE + "\n" + SUBCOMMANDS + "\n" + SIGNALS);
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
    Sub found = SUBS.stream().filter(x -> x.name().equals(sub.name())).findFirst().orElse(null);
    if (found == null) {
      System.err.println("ingress: unknown subcommand '" + sub.name() + "' (see --help)");
      return EXIT_USAGE;
    }
    if (sub.args().contains("--help") || sub.args().contains("-h")) {
      System.out.println("usage: java -jar ingress.jar " + found.usage().strip());
      return 0;
    }
    return found.run().apply(sub.args());
  }


  private static int completion(List<String> args) {
    if (!args.equals(List.of("bash"))) {
      System.err.println("ingress: completion needs SHELL: bash (see --help)");
      return EXIT_USAGE;
    }
    System.out.print(completionScript());
    return 0;
  }

  /** The bash completion script, from {@link #SUBS} and the node's own options. */
  static String completionScript() {
    List<String> top = new java.util.ArrayList<>(ShellCompletion.options(CommandLine.USAGE));
    top.add("--version");
    SUBS.forEach(s -> top.add(s.name()));
    java.util.Map<String, List<String>> words = new java.util.LinkedHashMap<>();
    for (Sub s : SUBS) {
      List<String> w = new java.util.ArrayList<>(ShellCompletion.options(s.usage()));
      w.addAll(s.words());
      words.put(s.name(), w);
    }
    return ShellCompletion.bash(top.stream().distinct().toList(), words);
  }

  /** Every subcommand's usage text by name (tests: each option it names is one its parser knows). */
  static java.util.Map<String, String> usages() {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    SUBS.forEach(s -> out.put(s.name(), s.usage()));
    return out;
  }

  private static int runNode(CommandLine.Run run) {
    IngressConfig config;
    try {
      config = loadConfig(run, System.getenv());
    } catch (ConfigException e) {
      System.err.println(e.oneLine());
      return EXIT_USAGE;
    }
    // the static routes are part of the file: a rejected or unreachable one is refused like a bad value, before
    // anything starts (routes from the control plane keep the runtime rules)
    StaticCheck statics = StaticCheck.of(config, run.embeddedDefault() ? ConfigLoader.DEFAULT_SOURCE
        : run.config().toString());
    if (!statics.ok()) {
      statics.problems().forEach(p -> System.err.println(p.line()));
      return EXIT_USAGE;
    }
    LogSetup.nameNode(config.nodeId());
    Logger log = LoggerFactory.getLogger(IngressMain.class);
    Settings.unknownEnvVars(System.getenv()).forEach(name ->
        log.atWarn().addKeyValue("variable", name).log("unknown GHOST_* environment variable ignored"));
    // handlers first: a SIGTERM that arrives while the node starts (a clustered start takes seconds) still drains
    // it once it is up, instead of killing the JVM with the default action
    Lifecycle lifecycle = new Lifecycle(log);
    lifecycle.trapSignals();
    HangupReload hangup = new HangupReload(log);
    hangup.trap();
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
      log.atError().setCause(e).log("start-up failed");
      System.err.println("ingress: start-up failed: " + e.getMessage());
      return EXIT_START_FAILED;
    }
    hangup.started(node);
    lifecycle.run(node);
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

  /**
   * The running node's signals and exit: the first SIGTERM/SIGINT drains the node (also when it arrives during
   * start-up: the drain begins once the node is up), a second one halts with 0 at once; the process exits 0 when a
   * drain, by signal or by the admin command, has closed the node.
   */
  private static final class Lifecycle {
    private final Logger log;
    private final AtomicInteger signals = new AtomicInteger();
    private final CountDownLatch drained = new CountDownLatch(1);
    private volatile IngressNode node;
    private volatile String signalled;

    Lifecycle(Logger log) {
      this.log = log;
    }

    void trapSignals() {
      SignalHandler handler = sig -> {
        if (signals.incrementAndGet() > 1) {
          log.atWarn().addKeyValue("signal", sig.getName()).log("second signal: exiting now");
          Runtime.getRuntime().halt(0);
        }
        log.atInfo().addKeyValue("signal", sig.getName()).log("shutting down");
        signalled = "signal " + sig.getName();
        IngressNode n = node;
        if (n != null) {
          n.drain(signalled);
        }
      };
      Signal.handle(new Signal("TERM"), handler);
      Signal.handle(new Signal("INT"), handler);
    }

    /** Waits until the node has drained and closed, then exits 0. */
    void run(IngressNode started) {
      node = started;
      String pending = signalled;
      if (pending != null) {
        started.drain(pending); // the signal came while the node started
      }
      started.drained().onComplete(ar -> drained.countDown());
      try {
        drained.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.atWarn().log("shutdown interrupted");
      }
      log.atInfo().log("stopped");
      System.exit(0);
    }
  }
}
