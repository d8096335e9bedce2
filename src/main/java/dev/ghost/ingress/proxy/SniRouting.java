package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.PortRoutes;
import dev.ghost.ingress.route.Protocol;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.Scope;
import dev.ghost.ingress.sni.SniResult;

/**
 * The routing rules of docs/behaviour.md ("SNI sniffing") for one connection: what a sniff result, a FIN or the
 * sniff timeout means, given the routes on the address and port the client reached. Pure: no sockets, no clock.
 */
final class SniRouting {

  /**
   * A decision: route, close, or wait for more bytes.
   *
   * @param route        the route to dial, or null
   * @param close        the reason to close, or null
   * @param sniffOutcome the sniff outcome to count (found, no_sni, ...), or null when nothing was decided yet
   * @param sni          the host name the client sent, or null
   */
  record Decision(Route route, CloseReason close, String sniffOutcome, String sni) {
    static final Decision WAIT = new Decision(null, null, null, null);

    boolean waiting() {
      return route == null && close == null;
    }
  }

  private final RouteTable table;
  private final Scope scope;
  private final int routePort;
  private final PortRoutes routes;

  SniRouting(RouteTable table, Scope scope, int routePort) {
    this.table = table;
    this.scope = scope;
    this.routePort = routePort;
    this.routes = table.routesAt(scope, routePort);
  }

  PortRoutes routes() {
    return routes;
  }

  /** Every sniff outcome a {@link Decision} can carry: the {@code outcome} labels of {@code ghost_sniff_total}. */
  static final java.util.List<String> OUTCOMES =
      java.util.List.of("found", "no_sni", "not_tls", "too_large", "malformed", "truncated", "timeout");

  /** After each read: what the bytes so far decide. */
  Decision onHello(SniResult result) {
    if (result instanceof SniResult.Found found) {
      return onFound(found);
    }
    if (result instanceof SniResult.NoSni) {
      return soleOr("no_sni", CloseReason.NO_SNI, null);
    }
    if (result instanceof SniResult.NotTls) {
      // Not TLS on a TLS listener: only a route alone on this address and port that explicitly allows it
      Route sole = routes.sole();
      return sole != null && sole.allowNonTls()
          ? new Decision(sole, null, "not_tls", null)
          : new Decision(null, CloseReason.NOT_TLS, "not_tls", null);
    }
    if (result instanceof SniResult.TooLarge) {
      // A size cap after a record started: SNI unavailable
      return soleOr("too_large", CloseReason.HELLO_TOO_LARGE, null);
    }
    if (result instanceof SniResult.Malformed) {
      // An invalid SNI is malformed, never the no-SNI fallback
      return new Decision(null, CloseReason.MALFORMED_HELLO, "malformed", null);
    }
    return Decision.WAIT;
  }

  private Decision onFound(SniResult.Found found) {
    String sni = found.hostName();
    Route byHost = routes.byHost(sni);
    if (byHost != null) {
      return new Decision(byHost, null, "found", sni);
    }
    if (found.echOuter()) {
      // ECH: the outer name is a public name, not the tenant's; without a route for it the SNI is unavailable
      return soleOr("found", CloseReason.NO_SNI, sni);
    }
    boolean otherTenant = !scope.isShared() && table.routesAt(Scope.SHARED, routePort).byHost(sni) != null;
    return new Decision(null, otherTenant ? CloseReason.TENANT_MISMATCH : CloseReason.NO_ROUTE, "found", sni);
  }

  /** The client sent FIN before its hello was complete. */
  Decision onFin(boolean anyBytes) {
    if (!anyBytes) {
      return new Decision(null, CloseReason.CLIENT_CLOSED, null, null);
    }
    // The hello can no longer complete: the SNI is unavailable
    return soleOr("truncated", CloseReason.NO_SNI, null);
  }

  /** The sniff timeout passed without a decision. */
  Decision onTimeout(boolean anyBytes) {
    if (!anyBytes) {
      // A client that sent nothing is cut; nothing is ever sent upstream for it
      return new Decision(null, CloseReason.SNIFF_TIMEOUT, "timeout", null);
    }
    return soleOr("timeout", CloseReason.SNIFF_TIMEOUT, null);
  }

  /** No SNI or SNI unavailable: exactly one TLS route on this address and port takes it, otherwise close. */
  private Decision soleOr(String outcome, CloseReason otherwise, String sni) {
    Route sole = routes.sole();
    if (sole != null && sole.protocol() == Protocol.TLS_PASSTHROUGH) {
      return new Decision(sole, null, outcome, sni);
    }
    return new Decision(null, otherwise, outcome, sni);
  }
}
