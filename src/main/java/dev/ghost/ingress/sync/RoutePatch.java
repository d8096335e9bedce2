package dev.ghost.ingress.sync;

import java.util.EnumSet;
import java.util.Set;

/**
 * The fields a {@code route.updated} event carries (contract §1: "patch only what is present; hostname, port and
 * hint never change"). A null field was absent from the payload and leaves the route's value alone.
 *
 * <p>{@code envIpv4Address}: a present JSON null or an empty string clears the stamp; it is stored here as
 * {@code ""} so that "clear" and "absent" (null) stay distinguishable.
 *
 * @param processType                 {@code backend_process_type}, or null
 * @param backendPort                 {@code backend_port}, or null
 * @param proxyV2                     {@code proxy_protocol} is V2 (UNSPECIFIED counts as off), or null
 * @param backendExpectsProxyProtocol {@code backend_expects_proxy_protocol}, or null
 * @param ipv4Required                {@code ipv4_required}, or null
 * @param envIpv4Address              {@code env_ipv4_address}; {@code ""} clears; null = absent
 */
public record RoutePatch(
    String processType,
    Integer backendPort,
    Boolean proxyV2,
    Boolean backendExpectsProxyProtocol,
    Boolean ipv4Required,
    String envIpv4Address) {

  /** A patch that changes nothing. */
  public static final RoutePatch EMPTY = new RoutePatch(null, null, null, null, null, null);

  /** The patchable fields, for per-field ordering of out-of-order patches. */
  enum Field {
    PROCESS_TYPE("backend_process_type"),
    BACKEND_PORT("backend_port"),
    PROXY_PROTOCOL("proxy_protocol"),
    BACKEND_EXPECTS_PROXY_PROTOCOL("backend_expects_proxy_protocol"),
    IPV4_REQUIRED("ipv4_required"),
    ENV_IPV4_ADDRESS("env_ipv4_address");

    final String wireName;

    Field(String wireName) {
      this.wireName = wireName;
    }

    static Field byWireName(String name) {
      for (Field f : values()) {
        if (f.wireName.equals(name)) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown patch field " + name);
    }
  }

  /** The route with every present field replaced; may throw {@link IllegalArgumentException} (e.g. port 0). */
  public CpRoute apply(CpRoute route) {
    return new CpRoute(route.routeId(), route.appId(), route.envId(), route.hostname(), route.listenPort(),
        route.protocol(),
        processType != null ? processType : route.processType(),
        backendPort != null ? backendPort : route.backendPort(),
        proxyV2 != null ? proxyV2 : route.proxyV2(),
        backendExpectsProxyProtocol != null ? backendExpectsProxyProtocol : route.backendExpectsProxyProtocol(),
        ipv4Required != null ? ipv4Required : route.ipv4Required(),
        envIpv4Address == null ? route.envIpv4AtCreation()
            : envIpv4Address.isEmpty() ? null : envIpv4Address,
        route.createdEventId());
  }

  /** True when no field is present. */
  public boolean isEmpty() {
    return fields().isEmpty();
  }

  /** The fields present in this patch. */
  Set<Field> fields() {
    EnumSet<Field> set = EnumSet.noneOf(Field.class);
    if (processType != null) {
      set.add(Field.PROCESS_TYPE);
    }
    if (backendPort != null) {
      set.add(Field.BACKEND_PORT);
    }
    if (proxyV2 != null) {
      set.add(Field.PROXY_PROTOCOL);
    }
    if (backendExpectsProxyProtocol != null) {
      set.add(Field.BACKEND_EXPECTS_PROXY_PROTOCOL);
    }
    if (ipv4Required != null) {
      set.add(Field.IPV4_REQUIRED);
    }
    if (envIpv4Address != null) {
      set.add(Field.ENV_IPV4_ADDRESS);
    }
    return set;
  }

  /** This patch restricted to the given fields. */
  RoutePatch only(Set<Field> keep) {
    return new RoutePatch(
        keep.contains(Field.PROCESS_TYPE) ? processType : null,
        keep.contains(Field.BACKEND_PORT) ? backendPort : null,
        keep.contains(Field.PROXY_PROTOCOL) ? proxyV2 : null,
        keep.contains(Field.BACKEND_EXPECTS_PROXY_PROTOCOL) ? backendExpectsProxyProtocol : null,
        keep.contains(Field.IPV4_REQUIRED) ? ipv4Required : null,
        keep.contains(Field.ENV_IPV4_ADDRESS) ? envIpv4Address : null);
  }
}
