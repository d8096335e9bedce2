package dev.ghost.ingress.route;

import dev.ghost.ingress.config.IpLiterals;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Who owns which dedicated IPv4 address: the claims resolved oldest first, a younger claim of an owned address and
 * an address that is not IPv4 each leaving its environment degraded. Linear in the environments; a table carries it
 * unchanged until a claim changes.
 *
 * @param scopes   owned address to its environment's scope
 * @param envIpv4  environment id to the address it owns (dotted quad), sorted by id
 * @param degraded environment id to why its claim failed, sorted by id
 */
record Ipv4Owners(Map<InetAddress, Optional<Scope>> scopes, Map<String, String> envIpv4,
    Map<String, String> degraded) {

  /** Resolves the claims (any order: they are sorted by seniority here). */
  static Ipv4Owners resolve(Collection<EnvClaim> claimsAnyOrder) {
    List<EnvClaim> claims = new ArrayList<>(claimsAnyOrder);
    claims.sort(EnvClaim.SENIORITY);
    Map<String, String> envIpv4 = new TreeMap<>();
    Map<String, String> degraded = new TreeMap<>();
    Map<InetAddress, Optional<Scope>> owners = new HashMap<>();
    Map<InetAddress, String> ownerIds = new HashMap<>();
    for (EnvClaim claim : claims) {
      if (claim.ipv4() == null || claim.ipv4().isBlank()) {
        continue;
      }
      Inet4Address address = IpLiterals.ipv4(claim.ipv4().trim());
      if (address == null) {
        degraded.put(claim.id(), "invalid dedicated IPv4: not an IPv4 address: '" + claim.ipv4() + "'");
        continue;
      }
      String owner = ownerIds.putIfAbsent(address, claim.id());
      if (owner != null) {
        degraded.put(claim.id(), "IPv4 " + address.getHostAddress() + " is already owned by env " + owner);
        continue;
      }
      owners.put(address, Optional.of(Scope.env(claim.id())));
      envIpv4.put(claim.id(), address.getHostAddress());
    }
    return new Ipv4Owners(Map.copyOf(owners), Collections.unmodifiableMap(envIpv4),
        Collections.unmodifiableMap(degraded));
  }

  /** True when the environment owns its dedicated IPv4, so its routes are reachable in its own scope too. */
  boolean owns(String envId) {
    return envId != null && envIpv4.containsKey(envId);
  }
}
