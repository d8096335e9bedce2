package dev.ghost.ingress.admin;

import dev.ghost.ingress.observe.IngressMetrics;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs admin refusals: every one is counted ({@code ghost_admin_refusals_total{reason}}); each reason
 * logs at most one line per second, carrying how many refusals of that reason the lines skipped since, so a flood
 * of refused connections cannot flood the log too. Used on the admin verticle's event loop only.
 */
final class AdminRefusals {

  private static final Logger LOG = LoggerFactory.getLogger(AdminRefusals.class);
  private static final long LOG_GAP_NANOS = 1_000_000_000L;
  /** Header values are the client's text: logged clipped. */
  private static final int MAX_FIELD = 128;

  private final IngressMetrics metrics;
  private final Map<AdminRefusal, Long> lastLogged = new EnumMap<>(AdminRefusal.class);
  private final Map<AdminRefusal, Integer> skipped = new EnumMap<>(AdminRefusal.class);

  AdminRefusals(IngressMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * One refusal. {@code what} names the request ({@code "POST /v1/log-level"}) or is null for a connection; {@code
   * field}/{@code value} is the offending header (never {@code Authorization}), or null.
   */
  void refused(AdminRefusal reason, String client, String what, String field, String value) {
    metrics.adminRefusal(reason.label());
    long now = System.nanoTime();
    Long last = lastLogged.get(reason);
    if (last != null && now - last < LOG_GAP_NANOS) {
      skipped.merge(reason, 1, Integer::sum);
      return;
    }
    lastLogged.put(reason, now);
    Integer before = skipped.remove(reason);
    var line = LOG.atWarn().addKeyValue("reason", reason.label()).addKeyValue("client", client)
        .addKeyValue("suppressed", before == null ? 0 : before);
    if (what != null) {
      line = line.addKeyValue("request", clip(what));
    }
    if (field != null) {
      line = line.addKeyValue(field, clip(value));
    }
    line.log("admin request refused: " + reason.detail());
  }

  private static String clip(String s) {
    return s == null || s.length() <= MAX_FIELD ? s : s.substring(0, MAX_FIELD);
  }
}
