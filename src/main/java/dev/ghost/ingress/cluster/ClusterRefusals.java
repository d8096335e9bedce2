package dev.ghost.ingress.cluster;

import dev.ghost.ingress.observe.IngressMetrics;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every {@link TrustRefusal} ({@code ghost_cluster_refusals_total{channel,reason}}) and logs the first one of
 * each channel, reason and claimed sender (a warning {@code "cluster message refused"} for evidence of a peer without
 * the secret, else {@code "cluster connection unfinished"} at info): a rogue member retries every few seconds, and one line says all there is
 * to say. At most {@value #MAX_LOGGED} distinct lines; after that refusals are only counted (a flood of made-up
 * sender names cannot grow memory or the log). Thread-safe. The sender is the node id the value claims (unproven);
 * nothing of the value itself is logged.
 */
final class ClusterRefusals {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRefusals.class);
  static final int MAX_LOGGED = 1024;
  private static final int MAX_SENDER = 64;

  private final IngressMetrics metrics;
  private final Set<String> logged = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean full = new AtomicBoolean();

  /** @param metrics where refusals are counted; null: log only (before the node's registry exists) */
  ClusterRefusals(IngressMetrics metrics) {
    this.metrics = metrics;
  }

  void refused(TrustChannel channel, TrustRefusal reason, String sender) {
    if (metrics != null) {
      metrics.clusterRefusal(channel.label(), reason.label());
    }
    String who = clip(sender);
    String key = channel.label() + '\u0000' + reason.label() + '\u0000' + who;
    if (logged.contains(key)) {
      return;
    }
    if (logged.size() >= MAX_LOGGED) {
      if (full.compareAndSet(false, true)) {
        LOG.atWarn().addKeyValue("distinct", MAX_LOGGED)
            .log("cluster refusals: too many distinct senders; further ones are only counted");
      }
      return;
    }
    if (logged.add(key)) {
      // an unfinished handshake is no evidence of a stranger (a member under load does that too): no warning for it
      (reason.evidence() ? LOG.atWarn() : LOG.atInfo()).addKeyValue("channel", channel.label())
          .addKeyValue("reason", reason.label()).addKeyValue("sender", who)
          .log((reason.evidence() ? "cluster message refused: " : "cluster connection unfinished: ") + reason.detail());
    }
  }

  private static String clip(String sender) {
    if (sender == null || sender.isEmpty()) {
      return "unknown";
    }
    StringBuilder sb = new StringBuilder(Math.min(sender.length(), MAX_SENDER));
    for (int i = 0; i < sender.length() && sb.length() < MAX_SENDER; i++) {
      char c = sender.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? '?' : c); // a claimed name is the sender's text: no control characters
    }
    return sb.toString();
  }
}
