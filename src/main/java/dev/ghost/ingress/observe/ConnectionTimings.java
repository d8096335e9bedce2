package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Histogram;

/**
 * The data path's three histograms, node-wide and built once: how long the ClientHello sniff took, how long the
 * backend connect took, how long a connection lived. No label, so a connection records on objects built at start
 * (no tag set, no lookup); a per-route histogram would cost a bucket series per route and bucket. Buckets are fixed
 * (seconds) so every node of a fleet aggregates: they bracket the defaults of {@code proxy.sniff_timeout} (200 ms)
 * and {@code proxy.connect_timeout} (2 s).
 *
 * <p>They are the Prometheus client's classic histograms, registered beside the Micrometer meters in the same
 * scrape, without exemplars: a record costs about a third of a Micrometer {@code Timer}'s (which also keeps a
 * decaying max and time-windowed buckets), and a connection makes up to three. On a registry that is not
 * Prometheus's (unit tests) they count without being exported.
 */
public final class ConnectionTimings {

  /** Sniff: sub-millisecond on loopback, up to the sniff timeout and a little past a raised one. */
  static final double[] SNIFF_BUCKETS =
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2.5, 5, 10};
  /** Backend connect: a fraction of a millisecond in one site, up to the connect timeout and past it. */
  static final double[] CONNECT_BUCKETS =
      {0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10};
  /** Connection lifetime: refusals in milliseconds, requests in seconds, long-lived streams in hours. */
  static final double[] DURATION_BUCKETS =
      {0.001, 0.01, 0.1, 1, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400};

  private final Histogram sniff;
  private final Histogram connect;
  private final Histogram duration;

  ConnectionTimings(MeterRegistry registry) {
    this.sniff = histogram(registry, MetricNames.SNIFF_DURATION, SNIFF_BUCKETS);
    this.connect = histogram(registry, MetricNames.BACKEND_CONNECT, CONNECT_BUCKETS);
    this.duration = histogram(registry, MetricNames.CONNECTION_DURATION, DURATION_BUCKETS);
  }

  private static Histogram histogram(MeterRegistry registry, String name, double[] bucketSeconds) {
    Histogram.Builder b = Histogram.builder().name(name.replace('.', '_')).help(MetricNames.help().get(name))
        .classicOnly().classicUpperBounds(bucketSeconds).withoutExemplars();
    return registry instanceof PrometheusMeterRegistry p ? b.register(p.getPrometheusRegistry()) : b.build();
  }

  /** A sniff reached its outcome this long after the accept. */
  public void sniffed(long nanos) {
    sniff.observe(nanos / 1e9);
  }

  /** A backend connected this long after the first dial began (failover attempts included). */
  public void connected(long nanos) {
    connect.observe(nanos / 1e9);
  }

  /** A connection closed this long after its accept. */
  public void closed(long nanos) {
    duration.observe(nanos / 1e9);
  }

  /** Observations so far of the three histograms (sniff, connect, duration), for tests. */
  long[] counts() {
    return new long[] {sniff.collect().getDataPoints().get(0).getCount(),
        connect.collect().getDataPoints().get(0).getCount(), duration.collect().getDataPoints().get(0).getCount()};
  }
}
