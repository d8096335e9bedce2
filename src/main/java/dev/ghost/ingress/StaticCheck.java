package dev.ghost.ingress;

import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.proxy.Binding;
import dev.ghost.ingress.proxy.ListenerPlan;
import dev.ghost.ingress.route.Conflict;
import dev.ghost.ingress.route.Rejection;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import io.netty.channel.epoll.Epoll;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the static configuration would build, and what is wrong with it: the route table of the file's
 * {@code [[env]]} and {@code [[route]]} ({@link IngressNode#staticTable}, the builder start-up uses) and the
 * listener plan over it. A rejected route, a conflict, an IPv4 claim that does not hold and a listener clash are
 * each one {@link Problem}; a node refuses to start on any of them, and {@code check} lists them. Control-plane
 * routes are not judged here: they keep the runtime rules (older wins, logged once, counted, listed).
 *
 * @param table    the table the file builds
 * @param plan     the sockets it would listen on
 * @param problems everything that start-up refuses, in a stable order
 */
record StaticCheck(RouteTable table, ListenerPlan.Plan plan, List<Problem> problems) {

  /**
   * One thing wrong with the static configuration.
   *
   * @param file    the config source
   * @param subject what it is about: {@code route 'ID'}, {@code env 'ID'} or {@code listener HOST:PORT}
   * @param reason  why, in words
   */
  record Problem(String file, String subject, String reason) {
    /** {@code FILE: SUBJECT: REASON}, one line. */
    String line() {
      return file + ": " + subject + ": " + reason;
    }
  }

  /** Builds the static table of {@code config} (read from {@code file}) and collects its problems. */
  static StaticCheck of(IngressConfig config, String file) {
    RouteTable table = IngressNode.staticTable(config, 0);
    // the sockets start-up would open: on the JDK's dual-stack ones some address pairs cannot both be bound
    ListenerPlan.Ipv6Sockets sockets =
        ListenerPlan.Ipv6Sockets.of(config.proxy().nativeTransport() && Epoll.isAvailable());
    ListenerPlan.Plan plan = ListenerPlan.plan(config.listen(), table, sockets);
    List<Problem> problems = new ArrayList<>();
    for (Rejection r : table.rejections()) {
      problems.add(new Problem(file, route(r.routeId()), "rejected: " + r.reason()));
    }
    for (Conflict c : table.conflicts()) {
      problems.add(new Problem(file, route(c.loserId()), "conflicts with route '" + c.winnerId() + "' on port "
          + c.port() + (c.host() == null ? "" : " for " + c.host()) + " (" + c.scope()
          + "): the earlier route in the file would win and this one would never be reached"));
    }
    table.degradedReasons().forEach((env, why) ->
        problems.add(new Problem(file, "env '" + env + "'", "dedicated IPv4 not owned: " + why)));
    plan.clashes().forEach((binding, why) ->
        problems.add(new Problem(file, "listener " + binding.label(), why)));
    return new StaticCheck(table, plan, List.copyOf(problems));
  }

  /**
   * The reload's gate: throws the first problem as a {@link ConfigException} (key: its subject), naming how many
   * more there are, so a reloaded file is held to the rule start-up applies.
   */
  static void require(IngressConfig config, String file) {
    StaticCheck check = of(config, file);
    if (!check.ok()) {
      Problem first = check.problems().get(0);
      int more = check.problems().size() - 1;
      throw new ConfigException(first.file(), first.subject(), first.reason()
          + (more == 0 ? "" : " (and " + more + " more: see check --config FILE)"));
    }
  }

  private static String route(String id) {
    return "route '" + id + "'";
  }

  /** True when start-up would accept the static configuration. */
  boolean ok() {
    return problems.isEmpty();
  }

  /** One paragraph: what a node would serve from this file. */
  String summary(IngressConfig config, String file) {
    List<Route> routes = table.routes();
    long raw = routes.stream().filter(Route::isRaw).count();
    String ipv4 = table.envIpv4().isEmpty() ? "no dedicated IPv4"
        : "dedicated IPv4 " + table.envIpv4().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(", "));
    String sockets = plan.bindings().stream().map(StaticCheck::socket).collect(Collectors.joining(", "));
    return file + ": OK. " + routes.size() + " static route(s) (" + (routes.size() - raw) + " tls_passthrough, "
        + raw + " tcp_raw) on route port(s) " + table.routePorts() + "; " + config.envs().size()
        + " environment(s), " + ipv4 + "; " + plan.bindings().size() + " listener(s)"
        + (sockets.isEmpty() ? "" : ": " + sockets) + "; admin on " + config.admin().listen() + "; control plane "
        + (config.controlPlane().enabled() ? config.controlPlane().url() : "off") + "; "
        + (config.cluster().members().isEmpty() ? "standalone"
            : "clustered with " + config.cluster().members().size() + " member(s)") + ".";
  }

  private static String socket(Binding b) {
    return b.bindPort() == b.routePort() ? b.label()
        : b.label() + " (bound on " + (b.bindPort() == 0 ? "an ephemeral port" : "port " + b.bindPort()) + ")";
  }
}
