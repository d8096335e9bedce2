package dev.ghost.ingress.route;

import dev.ghost.ingress.config.IpLiterals;
import dev.ghost.ingress.config.HostPort;
import java.util.Objects;

/**
 * One upstream address of a route. The host is an IP literal (never bracketed) or a name that is resolved off the
 * event loop.
 *
 * @param host IP literal without brackets, or a host name
 * @param port 1-65535
 */
public record Backend(String host, int port) {

  /** Validates the fields; throws {@link IllegalArgumentException} with a reason. */
  public Backend {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty() || host.startsWith("[")) {
      throw new IllegalArgumentException("backend host must be non-empty and unbracketed, got '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("backend port out of range 1-65535: " + port);
    }
  }

  /** The backend for a configured address. */
  public static Backend of(HostPort hostPort) {
    return new Backend(hostPort.host(), hostPort.port());
  }

  /** Parses {@code host:port} or {@code [v6]:port}. */
  public static Backend parse(String text) {
    return of(HostPort.parse(text));
  }

  /** {@code host:port}, or {@code [v6]:port} for an IPv6 literal. */
  @Override
  public String toString() {
    return IpLiterals.hostPort(host, port);
  }
}
