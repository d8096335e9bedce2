package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.RouteSpec;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.PortRoutes;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.Scope;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A table derived change by change ({@link ControlPlaneState#deriveTable}, docs/behaviour.md, "Conflicts") answers
 * exactly like one built from scratch ({@link ControlPlaneState#toTable}) after any history: routes created,
 * patched, deleted and re-created (in and out of order), backend sets fetched, IPv4 add-ons enabled and disabled
 * (two envs claiming one address, a static env holding one, an address that is not IPv4), host names clashing on a
 * port (also as spelled differently), tcp_raw routes taking a port (or refused by the port policy), invalid names,
 * and static routes shadowing control-plane ones (also by id). Every lookup a connection makes is compared over a
 * universe of scopes, ports, names and addresses, and so is everything a listener or the admin API reads. Each
 * step derives from the previous derived table, so a wrong step stays wrong and is seen.
 */
class TableDerivationPropertyTest {

  private static final String[] HOSTS = {"a.test", "b.test", "c.test", "B.Test", "bad_host.test", "d.test."};
  private static final int[] PORTS = {443, 8443, 9000, 25};
  private static final String[] ENVS = {"env_0", "env_1", "env_2", "env_s"};
  private static final String[] ADDRESSES = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
  private static final String[] IDS = {"rt_0", "rt_1", "rt_2", "rt_3", "rt_4", "rt_5", "static_a"};

  @Property(tries = 400)
  void aDerivedTableAnswersLikeOneBuiltFromScratch(@ForAll long seed) {
    Random rnd = new Random(seed);
    List<EnvSpec> staticEnvs = new ArrayList<>();
    if (rnd.nextBoolean()) {
      staticEnvs.add(new EnvSpec("env_s", rnd.nextBoolean() ? "10.0.0.2" : "not-an-address"));
    }
    if (rnd.nextInt(4) == 0) {
      staticEnvs.add(new EnvSpec("env_1", "10.0.0.3")); // a static claim for an env the control plane claims too
    }
    List<RouteSpec> staticRoutes = staticRoutes(rnd);
    PortPolicy policy = PortPolicy.DEFAULT;
    ControlPlaneState state = ControlPlaneState.EMPTY;
    RouteTable table = state.toTable(1, policy, staticEnvs, staticRoutes);
    long eventId = 10;
    for (int step = 0; step < 30; step++) {
      List<CpEvent> batch = new ArrayList<>();
      for (int i = 0; i < 1 + rnd.nextInt(3); i++) {
        eventId += 1 + rnd.nextInt(3);
        batch.add(event(rnd, rnd.nextInt(8) == 0 ? Math.max(1, eventId - 5) : eventId));
      }
      ControlPlaneState next = state.apply(batch).next();
      if (rnd.nextInt(3) == 0 && !next.routes().isEmpty()) {
        List<String> ids = new ArrayList<>(next.routes().keySet());
        String id = ids.get(rnd.nextInt(ids.size()));
        next = next.withBackends(id, backends(rnd, next.routes().get(id).backendPort()));
      }
      long version = step + 2;
      RouteTable derived = next.deriveTable(version, policy, state, table);
      assertThat(derived).as("seed %d step %d: derived, not rebuilt", seed, step).isNotNull();
      RouteTable scratch = next.toTable(version, policy, staticEnvs, staticRoutes);
      assertThat(describe(derived)).as("seed %d step %d after %s", seed, step, batch).isEqualTo(describe(scratch));
      assertChangeIsTheDifference(table, derived);
      state = next;
      table = derived;
    }
  }

  /** What {@link RouteTable#changeFrom} reports takes the previous table's routes to the new one's. */
  private static void assertChangeIsTheDifference(RouteTable previous, RouteTable next) {
    RouteTable.Change change = next.changeFrom(previous).orElseThrow();
    Set<Route> routes = new LinkedHashSet<>(previous.routes());
    assertThat(routes).containsAll(change.removed());
    change.removed().forEach(routes::remove);
    routes.addAll(change.added());
    assertThat(routes).containsExactlyInAnyOrderElementsOf(next.routes());
    Set<Backend> backends = new java.util.HashSet<>();
    next.routes().forEach(r -> backends.addAll(r.backends()));
    assertThat(next.backends()).containsExactlyInAnyOrderElementsOf(backends);
    assertThat(backends).allMatch(next::hasBackend);
  }

  private static List<RouteSpec> staticRoutes(Random rnd) {
    List<RouteSpec> out = new ArrayList<>();
    if (rnd.nextBoolean()) {
      out.add(spec("static_a", "a.test", 443, "tls_passthrough", "env_1"));
    }
    if (rnd.nextBoolean()) {
      out.add(spec("static_raw", null, 9000, "tcp_raw", "env_0"));
    }
    if (rnd.nextBoolean()) {
      out.add(spec("static_bad", "bad_host.test", 443, "tls_passthrough", null));
    }
    return out;
  }

  private static RouteSpec spec(String id, String host, int port, String protocol, String env) {
    return new RouteSpec(id, host, port, protocol, null, null, List.of(), env, false, null, null, null);
  }

  private static CpEvent event(Random rnd, long eventId) {
    String id = IDS[rnd.nextInt(IDS.length)];
    String env = ENVS[rnd.nextInt(ENVS.length - 1)];
    return switch (rnd.nextInt(7)) {
      case 0, 1 -> new CpEvent.RouteCreated(eventId, route(rnd, id, env, eventId));
      case 2 -> new CpEvent.RouteUpdated(eventId, id, new RoutePatch(null, 8000 + rnd.nextInt(3),
          rnd.nextBoolean(), null, null, null));
      case 3 -> new CpEvent.RouteDeleted(eventId, id);
      case 4 -> new CpEvent.EnvIpv4Enabled(eventId, rnd.nextInt(4) == 0 ? "env_s" : env, "app_1",
          ADDRESSES[rnd.nextInt(ADDRESSES.length)]);
      case 5 -> new CpEvent.EnvIpv4Disabled(eventId, env, ADDRESSES[0]);
      default -> new CpEvent.RouteCreated(eventId, route(rnd, IDS[rnd.nextInt(3)], env, eventId));
    };
  }

  private static CpRoute route(Random rnd, String id, String env, long eventId) {
    boolean raw = rnd.nextInt(5) == 0;
    int port = PORTS[rnd.nextInt(raw ? PORTS.length : 2)];
    return new CpRoute(id, "app_1", env, raw ? null : HOSTS[rnd.nextInt(HOSTS.length)], port,
        raw ? Protocol.TCP_RAW : Protocol.TLS_PASSTHROUGH, rnd.nextBoolean() ? "web" : "worker", 8000,
        rnd.nextBoolean(), false, false, null, eventId);
  }

  private static List<Backend> backends(Random rnd, int port) {
    List<Backend> out = new ArrayList<>();
    for (int i = 0; i < rnd.nextInt(3); i++) {
      out.add(new Backend("fd00::" + (1 + rnd.nextInt(3)), port));
    }
    return out;
  }

  /** Every answer a table gives over the universe of the histories above, as text. */
  static String describe(RouteTable t) {
    StringBuilder out = new StringBuilder();
    out.append("routes=").append(t.routes()).append('\n');
    for (String id : List.of("rt_0", "rt_1", "rt_2", "rt_3", "rt_4", "rt_5", "static_a", "static_raw")) {
      out.append("route ").append(id).append('=').append(t.route(id)).append('\n');
    }
    out.append("ports=").append(t.routePorts()).append(" ipv4=").append(t.envIpv4()).append(" degraded=")
        .append(t.degradedReasons()).append(" degradedEnvs=").append(t.degradedEnvs()).append('\n');
    out.append("conflicts=").append(t.conflicts()).append('\n');
    out.append("rejections=").append(t.rejections()).append('\n');
    Set<String> backends = new TreeSet<>();
    t.backends().forEach(b -> backends.add(b.toString()));
    out.append("backends=").append(backends).append('\n');
    List<Scope> scopes = new ArrayList<>(List.of(Scope.SHARED));
    for (String env : ENVS) {
      scopes.add(Scope.env(env));
      out.append("portsOf ").append(env).append('=').append(t.portsOfEnv(env)).append('\n');
    }
    for (Scope scope : scopes) {
      for (int port : new int[] {443, 8443, 9000, 9001, 25}) {
        PortRoutes at = t.routesAt(scope, port);
        out.append(scope).append(':').append(port).append(" empty=").append(at.isEmpty()).append(" raw=")
            .append(at.raw()).append(" sole=").append(at.sole()).append(" all=").append(at.all());
        for (String host : List.of("a.test", "b.test", "c.test", "d.test")) {
          out.append(' ').append(host).append('=').append(at.byHost(host) == null ? null : at.byHost(host).id());
        }
        out.append('\n');
      }
    }
    for (String address : List.of("10.0.0.1", "10.0.0.2", "10.0.0.3", "::1")) {
      try {
        out.append("scopeFor ").append(address).append('=')
            .append(t.scopeFor(InetAddress.getByName(address))).append('\n');
      } catch (UnknownHostException e) {
        throw new AssertionError(e);
      }
    }
    return out.toString();
  }
}
