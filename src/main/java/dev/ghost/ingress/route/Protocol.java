package dev.ghost.ingress.route;

import java.util.Locale;

/** How a route picks its connections: by SNI on a shared port, or the whole port. */
public enum Protocol {
  /** Routed by the ClientHello's server name; bytes are relayed untouched. */
  TLS_PASSTHROUGH("tls_passthrough"),
  /** Owns its listener port outright; no sniffing. */
  TCP_RAW("tcp_raw");

  private final String configName;

  Protocol(String configName) {
    this.configName = configName;
  }

  /** The name used in configuration and JSON ({@code tls_passthrough}, {@code tcp_raw}). */
  public String configName() {
    return configName;
  }

  /** Parses a configuration name, case-insensitively; throws {@link IllegalArgumentException} with a reason. */
  public static Protocol parse(String text) {
    if (text != null) {
      String s = text.trim().toLowerCase(Locale.ROOT);
      for (Protocol p : values()) {
        if (p.configName.equals(s)) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("unknown protocol '" + text + "' (expected tls_passthrough or tcp_raw)");
  }
}
