package dev.ghost.ingress.sync;

import dev.ghost.ingress.observe.IngressMetrics;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports ready instances dropped for their overlay address: one log line and one count per instance and address,
 * although every backend refresh (every few seconds) sees them again. Used on the sync verticle's event loop only.
 */
final class DroppedInstances {

  private static final Logger LOG = LoggerFactory.getLogger(DroppedInstances.class);
  /** Instances remembered as reported; past this the memory starts over (a flood may then be reported twice). */
  static final int MAX_REMEMBERED = 4096;

  private final IngressMetrics metrics;
  private final Set<InstancePage.Dropped> reported = new HashSet<>();

  DroppedInstances(IngressMetrics metrics) {
    this.metrics = metrics;
  }

  /** Logs and counts {@code dropped} of {@code routeId} unless this instance and address were reported before. */
  void report(String routeId, InstancePage.Dropped dropped) {
    if (reported.contains(dropped)) {
      return;
    }
    if (reported.size() >= MAX_REMEMBERED) {
      reported.clear();
    }
    reported.add(dropped);
    metrics.instanceDropped(dropped.reason());
    LOG.atWarn().addKeyValue("route_id", routeId).addKeyValue("instance_id", dropped.instanceId())
        .addKeyValue("overlay_ipv6", dropped.address()).addKeyValue("reason", dropped.reason())
        .log("control-plane instance dropped: no usable overlay address");
  }
}
