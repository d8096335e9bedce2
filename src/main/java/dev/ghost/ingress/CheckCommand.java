package dev.ghost.ingress;

import dev.ghost.ingress.cluster.ClusterPlan;
import dev.ghost.ingress.cluster.ClusterTrust;
import dev.ghost.ingress.config.CommandLine;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.config.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code check --config FILE}: the {@code nginx -t} of the node. Validates what start-up validates (flags, file,
 * values, environment overlay, the cluster settings) and the route table and listener plan the file would build
 * ({@link StaticCheck}), without binding anything. Exit 0 with a one-paragraph summary on stdout, or exit 2 with
 * every problem on stderr, one per line: {@code FILE: SUBJECT: REASON}.
 */
final class CheckCommand {

  /** Its line in {@code --help}. */
  static final String USAGE = String.join("\n",
      "  check --config FILE",
      "                 validate FILE as start-up would, plus the route table and listeners it builds:",
      "                 exit 0 with a summary, or exit 2 listing every problem (file, route or env, reason)");

  private CheckCommand() {}

  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    CommandLine cmd;
    try {
      cmd = CommandLine.parse(args.toArray(String[]::new));
    } catch (UsageException e) {
      err.println("ingress check: " + e.getMessage());
      return IngressMain.EXIT_USAGE;
    }
    if (!(cmd instanceof CommandLine.Run run) || run.embeddedDefault()) {
      err.println("ingress check: needs --config FILE (try check --help)");
      return IngressMain.EXIT_USAGE;
    }
    String file = run.config().toString();
    IngressConfig config;
    try {
      config = IngressMain.loadConfig(run, env);
    } catch (ConfigException e) {
      err.println(e.oneLine());
      return IngressMain.EXIT_USAGE;
    }
    List<StaticCheck.Problem> problems = new ArrayList<>(clusterProblems(config, file));
    StaticCheck check = StaticCheck.of(config, file);
    problems.addAll(check.problems());
    if (!problems.isEmpty()) {
      problems.forEach(p -> err.println(p.line()));
      return IngressMain.EXIT_USAGE;
    }
    out.println(check.summary(config, file));
    return 0;
  }

  /** The cluster settings as start-up resolves them before Hazelcast starts: members, bind host, secret. */
  private static List<StaticCheck.Problem> clusterProblems(IngressConfig config, String file) {
    if (!ClusterPlan.clustered(config.cluster())) {
      return List.of();
    }
    try {
      ClusterPlan.of(config.cluster(), config.nodeId());
      ClusterTrust.load(config.cluster());
      return List.of();
    } catch (ConfigException e) {
      return List.of(new StaticCheck.Problem(e.file(), e.key(), e.reason()));
    } catch (RuntimeException e) {
      return List.of(new StaticCheck.Problem(file, "cluster", String.valueOf(e.getMessage())));
    }
  }
}
