package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A control-plane route as the event feed describes it (contract §1, {@code route.created}), after decoding and
 * after any {@code route.updated} patches. Immutable.
 *
 * <p>PROXY protocol: the route's {@code proxy_protocol} alone decides whether the ingress writes a PROXY v2 header
 * ({@link #proxyV2()}); {@code backend_expects_proxy_protocol} is what the backend declares it can parse and is
 * carried for display only. The contract says "{@code proxy_protocol} UNSPECIFIED/missing means off", so the
 * header is never sent on the strength of the backend flag alone.
 *
 * <p>{@link #envIpv4AtCreation()} is informational: the contract stamps {@code env_ipv4_address} only at creation;
 * an environment's dedicated IPv4 <em>now</em> comes from the {@code env.ipv4_addon_*} events
 * ({@link ControlPlaneState#envBindings()}). {@link #ipv4Required()} is carried, not enforced (docs/behaviour.md
 * gives it no routing effect).
 *
 * @param routeId                     {@code rt_...}; required
 * @param appId                       owning app; required (the instances API is per app/env)
 * @param envId                       owning environment; required
 * @param hostname                    as sent (normalised later by the route table); null for tcp_raw
 * @param listenPort                  the listener (route) port, 1-65535
 * @param protocol                    from {@code protocol_hint}
 * @param processType                 {@code backend_process_type}: which instances back the route
 * @param backendPort                 port on each instance, 1-65535
 * @param proxyV2                     {@code proxy_protocol} is V2
 * @param backendExpectsProxyProtocol {@code backend_expects_proxy_protocol}, informational
 * @param ipv4Required                {@code ipv4_required}, informational
 * @param envIpv4AtCreation           {@code env_ipv4_address} as stamped at creation or patched, or null
 * @param createdEventId              the {@code route.created} event id: the route's seniority in conflicts
 */
public record CpRoute(
    String routeId,
    String appId,
    String envId,
    String hostname,
    int listenPort,
    Protocol protocol,
    String processType,
    int backendPort,
    boolean proxyV2,
    boolean backendExpectsProxyProtocol,
    boolean ipv4Required,
    String envIpv4AtCreation,
    long createdEventId) {

  /** Checks the invariants the decoder and the state file rely on; throws {@link IllegalArgumentException}. */
  public CpRoute {
    requireText("route_id", routeId);
    requireText("app_id", appId);
    requireText("env_id", envId);
    Objects.requireNonNull(protocol, "protocol");
    requireText("backend_process_type", processType);
    if (protocol == Protocol.TLS_PASSTHROUGH) {
      requireText("hostname", hostname);
    } else if (hostname != null && hostname.isBlank()) {
      hostname = null;
    }
    if (listenPort < 1 || listenPort > 65535) {
      throw new IllegalArgumentException("listen_port out of range 1-65535: " + listenPort);
    }
    if (backendPort < 1 || backendPort > 65535) {
      throw new IllegalArgumentException("backend_port out of range 1-65535: " + backendPort);
    }
    if (envIpv4AtCreation != null && envIpv4AtCreation.isBlank()) {
      envIpv4AtCreation = null;
    }
  }

  /** The backend set for these ready instances: {@code [overlay_ipv6]:backend_port} each (contract §2). */
  public List<Backend> backendsFor(Collection<String> readyIpv6) {
    List<Backend> out = new ArrayList<>(readyIpv6.size());
    for (String address : readyIpv6) {
      out.add(new Backend(address, backendPort));
    }
    return List.copyOf(out);
  }

  private static void requireText(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("missing " + name);
    }
  }
}
