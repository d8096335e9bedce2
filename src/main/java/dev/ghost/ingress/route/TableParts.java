package dev.ghost.ingress.route;

import java.util.Set;
import org.pcollections.HashPMap;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * The persistent parts of a {@link RouteTable}: everything a lookup or a listener reads, plus what a change needs
 * to re-resolve only the keys it touches (the candidates kept out, the IPv4 claims, the static route ids). Two
 * tables a change apart share all but the changed paths of these maps.
 *
 * @param index       scope to route port to the routes reachable there (with the candidates kept out)
 * @param owners      the resolved IPv4 claims
 * @param claims      every environment's claim (the older of a static and a control-plane one), by env id
 * @param applied     routes reachable in at least one scope, oldest first
 * @param byId        the same, by route id
 * @param portScopes  route port to the number of scopes with a reachable route there
 * @param envPorts    env id to the ports reachable on its dedicated IPv4
 * @param conflicts   every conflict, in {@link ConflictKey#ORDER}
 * @param rejections  the routes not applied, with reasons
 * @param backendRefs backend to the number of reachable routes that have it
 * @param staticIds   ids of the static routes that are candidates (a control-plane route with one is a duplicate)
 * @param policy      the tcp_raw port policy the routes were validated with
 * @param editable    false when the table's input was not one a {@link RouteTableEdit} can continue (two
 *                    control-plane routes with one id): then only a full build makes the next table
 */
record TableParts(
    HashPMap<Scope, HashPMap<Integer, PortRoutes>> index,
    Ipv4Owners owners,
    TreePMap<String, EnvClaim> claims,
    TreePSet<Route> applied,
    LayeredMap<String, Route> byId,
    TreePMap<Integer, Integer> portScopes,
    HashPMap<String, TreePSet<Integer>> envPorts,
    TreePMap<ConflictKey, Conflict> conflicts,
    Rejections rejections,
    HashPMap<Backend, Integer> backendRefs,
    Set<String> staticIds,
    PortPolicy policy,
    boolean editable) {}
