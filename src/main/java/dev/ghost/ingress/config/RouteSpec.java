package dev.ghost.ingress.config;

import java.time.Duration;
import java.util.List;

/**
 * A route as the configuration states it ({@code [[route]]}), syntactically checked but not yet normalised: the
 * route package turns specs into a route table and reports what it rejects.
 *
 * @param id             route id; default: the file order index as a string
 * @param hostname       required for tls_passthrough, ignored for tcp_raw (null)
 * @param port           the listener (route) port, 1-65535
 * @param protocol       {@code tls_passthrough} or {@code tcp_raw}
 * @param proxyProtocol  {@code off} or {@code v2}
 * @param proxyTlvs      optional PROXY v2 TLVs: {@code authority}, {@code unique_id}, {@code crc32c}
 * @param backends       backend addresses, host names resolved off the event loop
 * @param env            owning environment id, or null
 * @param allowNonTls    a tls_passthrough route that also takes non-TLS clients when it is alone on its port
 * @param idleTimeout    per-route idle timeout, null = the global default; {@code 0} none
 * @param drainTimeout   per-route drain timeout, null = the global default; {@code 0} none
 * @param maxConnections per-route connection cap, null = the global default; 0 unlimited
 */
public record RouteSpec(
    String id,
    String hostname,
    int port,
    String protocol,
    String proxyProtocol,
    List<String> proxyTlvs,
    List<HostPort> backends,
    String env,
    boolean allowNonTls,
    Duration idleTimeout,
    Duration drainTimeout,
    Integer maxConnections) {}
