package dev.ghost.ingress.route;

import java.util.ArrayList;
import java.util.List;
import org.pcollections.HashPMap;
import org.pcollections.HashTreePMap;
import org.pcollections.TreePSet;

/**
 * The routes reachable at one (scope, port): either a single tcp_raw route, or tls_passthrough routes keyed by
 * normalised host name. Immutable (final fields of persistent or never-changed maps, safe to share across event
 * loops); a lookup is one hash probe (two while changes since the last full build are layered over it). It also keeps the routes that lost a conflict here, so that a change re-resolves only the
 * host name it touches ({@link RouteTableEdit}): the next table's value shares all the rest with this one.
 */
public final class PortRoutes {

  /** Nothing is routed here. */
  public static final PortRoutes EMPTY = new PortRoutes(null, LayeredMap.empty(),
      TreePSet.empty(Route.SENIORITY), HashTreePMap.empty());

  private final Route raw;
  private final Route sole;
  private final LayeredMap<String, Route> byHost;
  // ---- candidates kept out here, for a local re-resolution (usually empty)
  private final TreePSet<Route> raws;
  private final HashPMap<String, TreePSet<Route>> tlsLosers;

  private PortRoutes(Route raw, LayeredMap<String, Route> byHost, TreePSet<Route> raws,
      HashPMap<String, TreePSet<Route>> tlsLosers) {
    this.raw = raw;
    this.byHost = byHost;
    this.raws = raws;
    this.tlsLosers = tlsLosers;
    int size = byHost.size() + (raw == null ? 0 : 1);
    this.sole = size != 1 ? null : raw != null ? raw : byHost.only();
  }

  /**
   * What a {@link Slot} fed every candidate of the port resolved to.
   *
   * @param slot the port's slot, every candidate placed; nothing is placed in it afterwards
   */
  static PortRoutes of(Slot slot) {
    Route rawWinner = null;
    List<Route> rawCandidates = new ArrayList<>(1);
    for (Route r : slot.routes) {
      if (r.isRaw()) {
        rawWinner = r;
        rawCandidates.add(r);
      }
    }
    HashPMap<String, TreePSet<Route>> losers = HashTreePMap.empty();
    for (Slot.Loss loss : slot.losses) {
      Route r = loss.loser();
      if (r.isRaw()) {
        rawCandidates.add(r);
      } else {
        losers = losers.plus(r.hostname(), losers.getOrDefault(r.hostname(), TreePSet.empty(Route.SENIORITY))
            .plus(r));
      }
    }
    // the slot's own map of the host names placed: a copy of it was one more map entry per route at 100 000
    return new PortRoutes(rawWinner, LayeredMap.of(slot.hostsPlaced()), TreePSet.from(Route.SENIORITY, rawCandidates),
        losers);
  }

  /**
   * This port with one host name re-resolved (no tcp_raw candidate here): its winner (or none) and its losers.
   */
  PortRoutes withHost(String host, Route winner, List<Route> losers) {
    LayeredMap<String, Route> hosts = winner == null ? byHost.minus(host) : byHost.plus(host, winner);
    HashPMap<String, TreePSet<Route>> out = losers.isEmpty() ? tlsLosers.minus(host)
        : tlsLosers.plus(host, TreePSet.from(Route.SENIORITY, losers));
    return new PortRoutes(raw, hosts, raws, out);
  }

  /** The tcp_raw route that owns this port, or null. */
  public Route raw() {
    return raw;
  }

  /** The tls_passthrough route for an already normalised SNI, or null. */
  public Route byHost(String normalisedSni) {
    return normalisedSni == null ? null : byHost.get(normalisedSni);
  }

  /**
   * The only route here when there is exactly one (tcp_raw or tls_passthrough), else null. This is the fallback
   * for no SNI, SNI unavailable and non-TLS clients: never guess between two routes.
   */
  public Route sole() {
    return sole;
  }

  /** True when no route is reachable here. */
  public boolean isEmpty() {
    return raw == null && byHost.isEmpty();
  }

  /** Every reachable route here, oldest first (introspection: sorts the port's routes). */
  public List<Route> all() {
    List<Route> out = new ArrayList<>(byHost.values());
    if (raw != null) {
      out.add(raw);
    }
    out.sort(Route.SENIORITY);
    return List.copyOf(out);
  }

  /** The route reachable here on {@code route}'s key (its host name, or the port for tcp_raw), or null. */
  Route winnerFor(Route route) {
    return route.isRaw() ? raw : byHost.get(route.hostname());
  }

  /** True when a tcp_raw route is among this port's candidates: then a change re-resolves the whole port. */
  boolean hasRawCandidates() {
    return !raws.isEmpty();
  }

  /** The candidates for one host name (winner first, then losers, oldest first). */
  List<Route> candidatesOf(String host) {
    List<Route> out = new ArrayList<>(1);
    Route winner = byHost.get(host);
    if (winner != null) {
      out.add(winner);
    }
    TreePSet<Route> lost = tlsLosers.get(host);
    if (lost != null) {
      out.addAll(lost);
    }
    return out;
  }

  /** Every candidate of this port, reachable or not, in no particular order: O(port). */
  List<Route> candidates() {
    List<Route> out = new ArrayList<>(byHost.size() + raws.size());
    out.addAll(byHost.values());
    out.addAll(raws);
    tlsLosers.values().forEach(out::addAll);
    return out;
  }
}
