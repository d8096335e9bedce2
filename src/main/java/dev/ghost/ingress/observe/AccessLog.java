package dev.ghost.ingress.observe;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per closed connection on the {@code ghost.access} logger, which logback writes through an
 * asynchronous, never-blocking appender. Carries addresses, names, counts and the close reason; never payload.
 */
public final class AccessLog {

  /** The logger name; its never-blocking appender is set up by {@link LogSetup}. */
  public static final String LOGGER = "ghost.access";

  private final Logger log = LoggerFactory.getLogger(LOGGER);
  private volatile boolean enabled;

  public AccessLog(boolean enabled) {
    this.enabled = enabled;
  }

  public void enabled(boolean on) {
    enabled = on;
  }

  public boolean enabled() {
    return enabled;
  }

  /** Logs one closed connection. */
  public void log(Entry e) {
    if (!enabled) {
      return;
    }
    log.atInfo()
        .addKeyValue("conn_id", e.connectionId())
        .addKeyValue("client", e.client())
        .addKeyValue("listener", e.listener())
        .addKeyValue("sni", e.sni())
        .addKeyValue("route_id", e.routeId())
        .addKeyValue("backend", e.backend())
        .addKeyValue("attempts", e.attempts())
        .addKeyValue("connect_ms", e.connectMs() == null ? null : Math.round(e.connectMs() * 1000) / 1000.0)
        .addKeyValue("bytes_from_client", e.bytesFromClient())
        .addKeyValue("bytes_from_backend", e.bytesFromBackend())
        .addKeyValue("duration_ms", e.durationMs())
        .addKeyValue("reason", e.reason())
        .log("connection closed");
  }

  /**
   * One connection's summary.
   *
   * @param connectionId the id also sent as PROXY v2 UNIQUE_ID when enabled
   * @param client       client ip:port
   * @param listener     the local ip:port the client reached
   * @param sni          the sniffed host name, or null
   * @param routeId      the route, or null when unrouted
   * @param backend      the backend connected to, or null
   * @param attempts     backends dialled (failover included); 0 when none was
   * @param connectMs    first dial to connected, in milliseconds; null when no backend connected
   * @param bytesFromClient  bytes the client sent (sniffed bytes included)
   * @param bytesFromBackend bytes the backend sent
   * @param durationMs   accept to close
   * @param reason       the close reason label
   */
  public record Entry(
      String connectionId,
      String client,
      String listener,
      String sni,
      String routeId,
      String backend,
      int attempts,
      Double connectMs,
      long bytesFromClient,
      long bytesFromBackend,
      long durationMs,
      String reason) {}
}
