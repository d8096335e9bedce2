package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.AccessLog;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.route.BackendHealth;
import dev.ghost.ingress.route.BackendSelector;

/**
 * The node-wide, thread-safe parts of the data path, shared by every listener instance.
 *
 * @param settings  data path settings
 * @param selector  backend choice policy
 * @param health    passive ejection state
 * @param limits    connection limits
 * @param ids       connection ids
 * @param metrics   meters
 * @param accessLog access log
 * @param drains    open connections per draining backend
 */
public record ProxyServices(
    IngressConfig.Proxy settings,
    BackendSelector selector,
    BackendHealth health,
    ConnectionLimits limits,
    ConnectionIds ids,
    IngressMetrics metrics,
    AccessLog accessLog,
    DrainCounts drains) {}
