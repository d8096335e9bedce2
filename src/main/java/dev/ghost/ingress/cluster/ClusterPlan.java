package dev.ghost.ingress.cluster;

import dev.ghost.ingress.config.ClusterMember;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.config.IpLiterals;
import io.vertx.core.eventbus.EventBusOptions;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a clustered node binds and advertises, derived from the {@code cluster.*} settings and {@code node.id}
 * without touching Hazelcast (so it is plain to test and a standalone node never needs it).
 *
 * <p>Bind host: {@code GHOST_CLUSTER_HOST} when set; otherwise the member entry whose address is one of this
 * machine's interface addresses (when several are, the ones whose port equals {@code cluster.port} win; they must
 * all name the same address). The bind host is an IP literal: Hazelcast's interface list and both public addresses
 * are set to it, so a member never advertises an address the others cannot reach.
 *
 * @param name         Hazelcast cluster name ({@code GHOST_CLUSTER_NAME})
 * @param members      the tcp-ip member list ({@code GHOST_CLUSTER_MEMBERS}), entries without a port completed
 *                     with {@code port}
 * @param bindHost     the IP literal Hazelcast and the event bus bind to and advertise
 * @param port         the Hazelcast port ({@code GHOST_CLUSTER_PORT}); 0 = ephemeral; never auto-incremented
 * @param eventBusPort the clustered event-bus port ({@code GHOST_EVENTBUS_PORT}); 0 = ephemeral
 * @param nodeId       {@code GHOST_NODE_ID}, published as the member attribute {@value #NODE_ID_ATTRIBUTE}
 */
public record ClusterPlan(String name, List<ClusterMember> members, String bindHost, int port, int eventBusPort,
    String nodeId) {

  /** The Hazelcast member attribute that carries {@code GHOST_NODE_ID}. */
  public static final String NODE_ID_ATTRIBUTE = "ghost.node_id";

  /** How a host name becomes addresses; literals never hit DNS. */
  @FunctionalInterface
  public interface Resolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** True when {@code members} is non-empty: the node is clustered. */
  public static boolean clustered(IngressConfig.Cluster cluster) {
    return cluster != null && !cluster.members().isEmpty();
  }

  /** The plan for this machine: its interface addresses and the system resolver. */
  public static ClusterPlan of(IngressConfig.Cluster cluster, String nodeId) {
    return of(cluster, nodeId, localAddresses(), host -> List.of(InetAddress.getAllByName(host)));
  }

  /**
   * The plan with injected local addresses and resolver (tests). Throws {@link ConfigException} naming the
   * setting when the members do not parse or no bind host can be determined.
   */
  public static ClusterPlan of(IngressConfig.Cluster cluster, String nodeId, Collection<InetAddress> locals,
      Resolver resolver) {
    if (!clustered(cluster)) {
      throw new IllegalArgumentException("not clustered: cluster.members is empty");
    }
    List<ClusterMember> members;
    try {
      members = ClusterMember.parseAll(cluster.members(), cluster.port());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(ConfigException.ENVIRONMENT, "GHOST_CLUSTER_MEMBERS", e.getMessage());
    }
    String bindHost = cluster.host() != null
        ? literal(cluster.host(), resolver, "GHOST_CLUSTER_HOST")
        : localMember(members, cluster.port(), locals, resolver);
    return new ClusterPlan(cluster.name(), members, bindHost, cluster.port(), cluster.eventBusPort(), nodeId);
  }

  /** True when the bind host is IPv6 (Hazelcast then must not prefer the IPv4 stack). */
  public boolean ipv6() {
    return bindHost.indexOf(':') >= 0;
  }

  /** The bind host as written in an address with a port ({@code [v6]} in brackets). */
  public String bindHostForAddress() {
    return IpLiterals.bracketed(bindHost);
  }

  /** The tcp-ip member list as Hazelcast takes it. */
  public List<String> memberAddresses() {
    return members.stream().map(ClusterMember::toString).toList();
  }

  /** Event-bus options: bound to and advertised at the bind host. */
  public EventBusOptions eventBusOptions() {
    return new EventBusOptions().setHost(bindHost).setPort(eventBusPort).setClusterPublicHost(bindHost);
  }

  /**
   * {@link #eventBusOptions()}, with mutual TLS bound to the secret when {@code trust} has one ({@link ClusterTls});
   * plain TCP without (insecure).
   */
  public EventBusOptions eventBusOptions(ClusterTrust trust) {
    EventBusOptions options = eventBusOptions();
    return trust.secured() ? ClusterTls.secure(options, trust) : options;
  }

  private static String localMember(List<ClusterMember> members, int ownPort, Collection<InetAddress> locals,
      Resolver resolver) {
    Set<InetAddress> localSet = Set.copyOf(locals);
    List<ClusterMember> local = new ArrayList<>();
    List<String> localHosts = new ArrayList<>();
    for (ClusterMember m : members) {
      for (InetAddress a : resolveQuietly(m.host(), resolver)) {
        if (localSet.contains(a)) {
          local.add(m);
          localHosts.add(a.getHostAddress());
          break;
        }
      }
    }
    if (local.isEmpty()) {
      throw new ConfigException(ConfigException.ENVIRONMENT, "GHOST_CLUSTER_HOST",
          "not set, and no entry of GHOST_CLUSTER_MEMBERS (" + String.join(",", members.stream()
              .map(ClusterMember::toString).toList()) + ") is an address of this machine; set GHOST_CLUSTER_HOST"
              + " to the address this node binds and advertises");
    }
    Set<String> candidates = new LinkedHashSet<>();
    for (int i = 0; i < local.size(); i++) {
      if (local.get(i).port() == ownPort) {
        candidates.add(localHosts.get(i));
      }
    }
    if (candidates.isEmpty()) {
      candidates.addAll(localHosts);
    }
    if (candidates.size() > 1) {
      throw new ConfigException(ConfigException.ENVIRONMENT, "GHOST_CLUSTER_HOST",
          "not set, and several entries of GHOST_CLUSTER_MEMBERS are addresses of this machine ("
              + String.join(", ", candidates) + "); set GHOST_CLUSTER_HOST to the one this node binds");
    }
    return candidates.iterator().next();
  }

  private static List<InetAddress> resolveQuietly(String host, Resolver resolver) {
    try {
      return resolver.resolve(host);
    } catch (UnknownHostException e) {
      return List.of(); // another member may be unresolvable here; only the local one matters
    }
  }

  private static String literal(String host, Resolver resolver, String setting) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    try {
      List<InetAddress> all = resolver.resolve(h);
      if (all.isEmpty()) {
        throw new UnknownHostException(h);
      }
      InetAddress a = all.get(0);
      String text = a.getHostAddress();
      if (a instanceof Inet6Address) {
        int scope = text.indexOf('%');
        text = scope >= 0 ? text.substring(0, scope) : text;
      }
      return text;
    } catch (UnknownHostException e) {
      throw new ConfigException(ConfigException.ENVIRONMENT, setting, "cannot resolve '" + host + "'");
    }
  }

  /** Every address of every interface of this machine (up or not: a bind host may come up later). */
  public static List<InetAddress> localAddresses() {
    List<InetAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          out.add(a instanceof Inet6Address v6 && v6.getScopeId() != 0 ? stripScope(v6) : a);
        }
      }
    } catch (SocketException e) {
      // no interface list: only GHOST_CLUSTER_HOST can name the bind host
    }
    return out;
  }

  private static InetAddress stripScope(Inet6Address a) {
    try {
      return InetAddress.getByAddress(a.getAddress());
    } catch (UnknownHostException e) {
      return a;
    }
  }
}
