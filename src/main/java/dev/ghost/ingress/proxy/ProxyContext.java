package dev.ghost.ingress.proxy;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.AccessLog;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.eligibility.BackendSelector;
import java.util.Set;

/**
 * What a connection needs from its listener instance: the node-wide services plus the instance's dialer, its set of
 * open connections, its splice pipes and its sniff scratch array. Used only on the instance's event loop.
 *
 * @param dialer   dials backends on the event loop of the client's channel
 * @param services node-wide services
 * @param open     this instance's open connections (event-loop confined)
 * @param pipes    this instance's splice pipes (event-loop confined)
 * @param scratch  where this instance parses first reads (event-loop confined)
 */
record ProxyContext(BackendDialer dialer, ProxyServices services, Set<ProxyConnection> open, Pipes pipes,
    SniffScratch scratch) {

  IngressConfig.Proxy settings() {
    return services.settings();
  }

  BackendSelector selector() {
    return services.selector();
  }

  BackendHealth health() {
    return services.health();
  }

  ConnectionLimits limits() {
    return services.limits();
  }

  ConnectionIds ids() {
    return services.ids();
  }

  IngressMetrics metrics() {
    return services.metrics();
  }

  AccessLog accessLog() {
    return services.accessLog();
  }

  DrainCounts drains() {
    return services.drains();
  }
}
