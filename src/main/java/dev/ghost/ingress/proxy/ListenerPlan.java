package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.route.RouteTable;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which sockets to listen on (docs/behaviour.md "Listeners, IPv6 first, dedicated IPv4"): each host listens on every
 * route port and on the ports written in the listen addresses; when the IPv4 listen list names specific
 * addresses, each environment's dedicated IPv4 is bound on that environment's route ports. Pure: the same
 * config and table give the same set.
 */
public final class ListenerPlan {

  private ListenerPlan() {}

  /**
   * How the transport's IPv6 listening sockets treat IPv4: native epoll sets {@code IPV6_V6ONLY} on them, the JDK's
   * sockets (every other transport) cannot, so there a {@code [::]} socket also accepts IPv4 on its port.
   */
  public enum Ipv6Sockets {
    /** {@code IPV6_V6ONLY}: {@code [::]:P} and {@code 0.0.0.0:P} are two sockets, each taking its own family. */
    V6_ONLY,
    /** Dual-stack: {@code [::]:P} takes IPv4 too, and a {@code 0.0.0.0:P} beside it could not be bound. */
    DUAL_STACK;

    /** What the transport's sockets do: native epoll's are IPv6-only, the JDK's dual-stack. */
    public static Ipv6Sockets of(boolean nativeEpoll) {
      return nativeEpoll ? V6_ONLY : DUAL_STACK;
    }
  }

  /** The bindings to listen on. */
  public static Set<Binding> desired(IngressConfig.Listen listen, RouteTable table, Ipv6Sockets ipv6) {
    return plan(listen, table, ipv6).bindings();
  }

  /**
   * What to listen on, and what cannot be: two route ports mapped to one fixed bind port on one host would share a
   * socket and split its connections between two route ports, so only the lowest route port keeps it.
   *
   * @param bindings the sockets to listen on
   * @param clashes  bindings left out, with the reason (reported like a bind failure)
   */
  public record Plan(Set<Binding> bindings, Map<Binding, String> clashes) {}

  public static Plan plan(IngressConfig.Listen listen, RouteTable table, Ipv6Sockets ipv6) {
    Set<Binding> all = candidates(listen, table, ipv6);
    Set<Binding> kept = new LinkedHashSet<>();
    Map<Binding, String> clashes = new LinkedHashMap<>();
    Map<String, Binding> owners = new HashMap<>();
    Map<Integer, Binding> specificIpv6 = ipv6 == Ipv6Sockets.DUAL_STACK ? specificIpv6ByPort(all) : Map.of();
    all.stream().sorted(Comparator.comparingInt(Binding::routePort)).forEach(b -> {
      Binding owner = b.bindPort() == 0 ? null : owners.putIfAbsent(b.host() + "|" + b.bindPort(), b);
      Binding ipv6Beside = b.host().equals("0.0.0.0") ? specificIpv6.get(b.bindPort()) : null;
      if (owner != null) {
        clashes.put(b, "bind port " + b.bindPort() + " already serves route port " + owner.routePort());
      } else if (ipv6Beside != null) {
        clashes.put(b, "cannot listen on " + b.label() + " beside " + ipv6Beside.label() + " with the JDK's "
            + "sockets (native_transport off or unavailable): they are dual-stack, so the IPv4 wildcard would take "
            + "the IPv6 port too; use native epoll, listen on [::] instead, or name the IPv4 addresses");
      } else {
        kept.add(b);
      }
    });
    Set<Binding> ordered = new LinkedHashSet<>();
    all.stream().filter(kept::contains).forEach(ordered::add);
    return new Plan(ordered, clashes);
  }

  /**
   * Fixed bind ports that a specific IPv6 address ({@code [::1]}, not {@code [::]}) listens on. On dual-stack
   * sockets an IPv4 wildcard socket is an IPv6 socket bound to {@code [::]}, which the kernel refuses beside it.
   */
  private static Map<Integer, Binding> specificIpv6ByPort(Set<Binding> all) {
    Map<Integer, Binding> out = new HashMap<>();
    all.stream().filter(b -> b.bindPort() != 0 && b.host().contains(":") && !b.host().equals("::"))
        .forEach(b -> out.putIfAbsent(b.bindPort(), b));
    return out;
  }

  private static Set<Binding> candidates(IngressConfig.Listen listen, RouteTable table, Ipv6Sockets ipv6) {
    Set<Integer> ports = new TreeSet<>(table.routePorts());
    List<HostPort> hosts = new java.util.ArrayList<>(listen.ipv6());
    hosts.addAll(listen.ipv4());
    hosts.forEach(h -> ports.add(h.port()));
    Set<Binding> out = new LinkedHashSet<>();
    Set<String> hostNames = new LinkedHashSet<>();
    for (HostPort h : hosts) {
      hostNames.add(h.host());
    }
    boolean dualStack = ipv6 == Ipv6Sockets.DUAL_STACK && hostNames.contains("::");
    for (String host : hostNames) {
      for (int port : ports) {
        int bindPort = listen.bindPort(port);
        // A dual-stack [::] socket already takes IPv4 on its port; binding 0.0.0.0 too would clash
        if (!(dualStack && host.equals("0.0.0.0") && bindPort != 0)) {
          out.add(new Binding(host, port, bindPort));
        }
      }
    }
    if (!listen.ipv4().isEmpty() && listen.ipv4().stream().noneMatch(ListenerPlan::isWildcard)) {
      table.envIpv4().forEach((env, address) -> {
        if (!hostNames.contains(address)) {
          for (int port : table.portsOfEnv(env)) {
            out.add(new Binding(address, port, listen.bindPort(port)));
          }
        }
      });
    }
    return out;
  }

  private static boolean isWildcard(HostPort h) {
    return h.host().equals("0.0.0.0") || h.host().equals("::") || h.host().equals("*");
  }
}
