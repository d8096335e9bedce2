package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.AccessLog;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.BackendSelector;
import java.util.function.Supplier;

/**
 * The node-wide, thread-safe parts of the data path, shared by every listener instance.
 *
 * @param liveSettings data path settings in force (read on every use, so a config reload reaches new connections)
 * @param selector     backend choice policy
 * @param health       passive ejection state
 * @param limits       connection limits
 * @param ids          connection ids
 * @param metrics      meters
 * @param accessLog    access log
 * @param drains       open connections per draining backend
 */
public record ProxyServices(
    Supplier<IngressConfig.Proxy> liveSettings,
    BackendSelector selector,
    BackendHealth health,
    ConnectionLimits limits,
    ConnectionIds ids,
    IngressMetrics metrics,
    AccessLog accessLog,
    DrainCounts drains) {

  /** Services with fixed settings. */
  public ProxyServices(IngressConfig.Proxy settings, BackendSelector selector, BackendHealth health,
      ConnectionLimits limits, ConnectionIds ids, IngressMetrics metrics, AccessLog accessLog, DrainCounts drains) {
    this(() -> settings, selector, health, limits, ids, metrics, accessLog, drains);
  }

  /** The data path settings in force now. */
  public IngressConfig.Proxy settings() {
    return liveSettings.get();
  }
}
