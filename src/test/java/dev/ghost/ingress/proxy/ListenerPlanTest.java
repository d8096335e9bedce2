package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.config.EnvSpec;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.config.RouteSpec;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenerPlanTest {

  private static RouteSpec tls(String id, String host, int port, String env) {
    return new RouteSpec(id, host, port, "tls_passthrough", "off", List.of(), List.of(HostPort.parse("[::1]:9443")),
        env, false, null, null, null);
  }

  private static RouteSpec raw(String id, int port, String env) {
    return new RouteSpec(id, null, port, "tcp_raw", "off", List.of(), List.of(HostPort.parse("[::1]:9443")),
        env, false, null, null, null);
  }

  private static RouteTable table(List<EnvSpec> envs, List<RouteSpec> routes) {
    return new RouteTableBuilder(1, PortPolicy.DEFAULT).addStatic(envs, routes).build();
  }

  private static IngressConfig.Listen listen(List<String> v6, List<String> v4, Map<Integer, Integer> map) {
    return new IngressConfig.Listen(v6.stream().map(HostPort::parse).toList(),
        v4.stream().map(HostPort::parse).toList(), map);
  }

  /** The plan for native epoll's IPv6-only sockets, the default transport. */
  private static java.util.Set<Binding> desired(IngressConfig.Listen listen, RouteTable table) {
    return ListenerPlan.desired(listen, table, ListenerPlan.Ipv6Sockets.V6_ONLY);
  }

  private static ListenerPlan.Plan plan(IngressConfig.Listen listen, RouteTable table) {
    return ListenerPlan.plan(listen, table, ListenerPlan.Ipv6Sockets.V6_ONLY);
  }

  @Test
  void everyHostListensOnEveryRoutePortAndItsOwnPortThroughThePortMap() {
    RouteTable t = table(List.of(), List.of(tls("a", "a.example.com", 443, null), raw("db", 5432, null)));
    var plan = desired(listen(List.of("[::1]:443"), List.of("127.0.0.1:8443"), Map.of(443, 0)), t);
    assertThat(plan).containsExactlyInAnyOrder(
        new Binding("::1", 443, 0), new Binding("::1", 5432, 5432), new Binding("::1", 8443, 8443),
        new Binding("127.0.0.1", 443, 0), new Binding("127.0.0.1", 5432, 5432),
        new Binding("127.0.0.1", 8443, 8443));
  }

  @Test
  void listenPortsAreBoundEvenWithoutRoutes() {
    var plan = desired(listen(List.of("[::]:443"), List.of(), Map.of()), table(List.of(), List.of()));
    assertThat(plan).containsExactly(new Binding("::", 443, 443));
  }

  @Test
  void specificIpv4ListenersBindEachEnvAddressOnThatEnvsPortsOnly() {
    RouteTable t = table(List.of(new EnvSpec("a", "127.0.0.2"), new EnvSpec("b", null)),
        List.of(tls("a1", "a.example.com", 443, "a"), raw("a-db", 5432, "a"), tls("b1", "b.example.com", 443, "b")));
    var plan = desired(listen(List.of("[::1]:443"), List.of("127.0.0.1:443"), Map.of()), t);
    assertThat(plan).contains(new Binding("127.0.0.2", 443, 443), new Binding("127.0.0.2", 5432, 5432));
    assertThat(plan).filteredOn(b -> b.host().equals("127.0.0.2")).hasSize(2);
  }

  @Test
  void wildcardIpv4ChecksOwnershipPerConnectionInsteadOfBindingEnvAddresses() {
    RouteTable t = table(List.of(new EnvSpec("a", "127.0.0.2")), List.of(tls("a1", "a.example.com", 443, "a")));
    var plan = desired(listen(List.of("[::1]:443"), List.of("0.0.0.0:443"), Map.of()), t);
    assertThat(plan).noneMatch(b -> b.host().equals("127.0.0.2"));
  }

  @Test
  void aDualStackWildcardTakesOverTheIpv4Wildcard() {
    var plan = ListenerPlan.desired(listen(List.of("[::]:443"), List.of("0.0.0.0:443"), Map.of()),
        table(List.of(), List.of()), ListenerPlan.Ipv6Sockets.DUAL_STACK);
    assertThat(plan).containsExactly(new Binding("::", 443, 443));
  }

  @Test
  void onDualStackSocketsAnIpv4WildcardBesideASpecificIpv6AddressIsReportedNotBound() {
    // The JDK opens 0.0.0.0 as an IPv6 socket on [::], which the kernel refuses beside [::1] on the same port
    var plan = ListenerPlan.plan(listen(List.of("[::1]:443"), List.of("0.0.0.0:443"), Map.of()),
        table(List.of(), List.of()), ListenerPlan.Ipv6Sockets.DUAL_STACK);
    assertThat(plan.bindings()).containsExactly(new Binding("::1", 443, 443));
    assertThat(plan.clashes()).containsOnlyKeys(new Binding("0.0.0.0", 443, 443));
    assertThat(plan.clashes().values().iterator().next()).contains("beside [::1]:443", "native epoll");
  }

  @Test
  void onIpv6OnlySocketsAnIpv4WildcardBesideASpecificIpv6AddressIsBound() {
    var plan = ListenerPlan.plan(listen(List.of("[::1]:443"), List.of("0.0.0.0:443"), Map.of()),
        table(List.of(), List.of()), ListenerPlan.Ipv6Sockets.V6_ONLY);
    assertThat(plan.bindings()).containsExactlyInAnyOrder(new Binding("::1", 443, 443),
        new Binding("0.0.0.0", 443, 443));
    assertThat(plan.clashes()).isEmpty();
  }

  @Test
  void anIpv6OnlyWildcardLeavesTheIpv4WildcardItsOwnSocket() {
    // IPv4 clients of [::]:443 + 0.0.0.0:443 on native epoll reach only the IPv4 socket: it must be bound
    var plan = desired(listen(List.of("[::]:443"), List.of("0.0.0.0:443"), Map.of()), table(List.of(), List.of()));
    assertThat(plan).containsExactlyInAnyOrder(new Binding("::", 443, 443), new Binding("0.0.0.0", 443, 443));
  }

  @Test
  void ephemeralWildcardsDoNotClashAndBothListen() {
    var plan = desired(listen(List.of("[::]:443"), List.of("0.0.0.0:443"), Map.of(443, 0)),
        table(List.of(), List.of()));
    assertThat(plan).containsExactlyInAnyOrder(new Binding("::", 443, 0), new Binding("0.0.0.0", 443, 0));
  }

  @Test
  void twoRoutePortsMappedToOneFixedBindPortKeepTheLowestAndReportTheOther() {
    RouteTable t = table(List.of(), List.of(tls("a", "a.example.com", 8443, null)));
    var plan = plan(listen(List.of("[::1]:18443"), List.of(), Map.of(8443, 18443)), t);
    assertThat(plan.bindings()).containsExactly(new Binding("::1", 8443, 18443));
    assertThat(plan.clashes()).containsOnlyKeys(new Binding("::1", 18443, 18443));
    assertThat(plan.clashes().values()).containsExactly("bind port 18443 already serves route port 8443");
  }

  @Test
  void labelsBracketIpv6() {
    assertThat(new Binding("::1", 443, 0).label()).isEqualTo("[::1]:443");
    assertThat(new Binding("127.0.0.1", 443, 0).label()).isEqualTo("127.0.0.1:443");
  }
}
