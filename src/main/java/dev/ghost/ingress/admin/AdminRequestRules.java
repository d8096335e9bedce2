package dev.ghost.ingress.admin;

import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.IpLiterals;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The admin API's checks on a request's headers, pure: which {@code Host} names it answers to, which requests are
 * cross-site, and which bodies a mutating call accepts. Each check answers null (pass) or the refusal.
 *
 * <p>Host names (DNS rebinding: a page of {@code evil.example} whose name the attacker points at 127.0.0.1 reaches
 * the admin API with {@code Host: evil.example}): accepted are any IP literal (a rebinding needs a name the
 * attacker controls, so an address literal is never one, and port-forwarded or NATed addresses keep working),
 * {@code localhost}, the {@code admin.listen} host when it is a name, and the names of {@code admin.allowed_hosts};
 * the port, case and one trailing dot do not matter. A request without {@code Host} passes: browsers always send it.
 */
final class AdminRequestRules {

  private final Set<String> names = new HashSet<>();

  /**
   * @param listen       the admin address
   * @param allowedHosts further names, lower case without a trailing dot
   */
  AdminRequestRules(HostPort listen, List<String> allowedHosts) {
    names.add("localhost");
    names.add(normalise(listen.host()));
    allowedHosts.forEach(n -> names.add(normalise(n)));
  }

  /**
   * Checks every request: its {@code Host} ({@link AdminRefusal#FOREIGN_HOST}), then whether a browser marked it
   * cross-site: {@code Sec-Fetch-Site} {@code cross-site} or {@code same-site} (another port or subdomain is another
   * site's page too), or an {@code Origin} other than {@code http://} + its own {@code Host}
   * ({@link AdminRefusal#CROSS_SITE}).
   */
  AdminRefusal checkRequest(String host, String origin, String secFetchSite) {
    if (!hostAllowed(host)) {
      return AdminRefusal.FOREIGN_HOST;
    }
    if (secFetchSite != null) {
      String site = secFetchSite.trim().toLowerCase(Locale.ROOT);
      if (site.equals("cross-site") || site.equals("same-site")) {
        return AdminRefusal.CROSS_SITE;
      }
    }
    if (origin != null && (host == null || !origin.trim().equalsIgnoreCase("http://" + host.trim()))) {
      return AdminRefusal.CROSS_SITE; // also the opaque origin "null" of sandboxed pages and redirects
    }
    return null;
  }

  /**
   * Checks a mutating call's body before it is read: declared {@code application/json} (parameters such as
   * {@code charset} allowed), or absent altogether (no {@code Content-Type}, no length, not chunked): a form or
   * {@code text/plain} body, which a browser page may send without asking, is {@link AdminRefusal#UNSUPPORTED_MEDIA_TYPE}.
   */
  static AdminRefusal checkBody(String contentType, String contentLength, String transferEncoding) {
    if (contentType != null) {
      int semicolon = contentType.indexOf(';');
      String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
      return type.equalsIgnoreCase("application/json") ? null : AdminRefusal.UNSUPPORTED_MEDIA_TYPE;
    }
    boolean hasBody = transferEncoding != null || (contentLength != null && !contentLength.trim().equals("0"));
    return hasBody ? AdminRefusal.UNSUPPORTED_MEDIA_TYPE : null;
  }

  /**
   * True when {@code host} (a {@code Host} header: name or literal, optional port, read by
   * {@link HostPort#splitHostHeader}) is one of the accepted.
   */
  boolean hostAllowed(String host) {
    if (host == null) {
      return true;
    }
    String name;
    try {
      name = HostPort.splitHostHeader(host).host();
    } catch (IllegalArgumentException notAHost) {
      return false;
    }
    if (name.indexOf(':') >= 0) {
      return IpLiterals.canonicalIpv6(name) != null; // bracketed: an IPv6 literal or nothing
    }
    return IpLiterals.isIpv4(name) || names.contains(normalise(name));
  }

  private static String normalise(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }
}
