package dev.ghost.ingress;

import dev.ghost.ingress.cluster.ClusterPlan;
import dev.ghost.ingress.cluster.ClusterSetup;
import dev.ghost.ingress.cluster.ClusterTrust;
import dev.ghost.ingress.cluster.JoinDeadline;
import dev.ghost.ingress.cluster.WatchedTransport;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.HelpText;
import dev.ghost.ingress.observe.PrometheusConventions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x instance a node runs on, and what came with building it: the meter registry it reports to and, when
 * clustered, the cluster manager, the plan it joined with and what the node trusts. {@link #build} is the one place
 * that chooses standalone or clustered; a standalone node loads no Hazelcast class.
 *
 * @param vertx    the instance, clustered or not
 * @param registry the node's meters, Vert.x's included
 * @param manager  the Hazelcast cluster manager; null when standalone
 * @param plan     the cluster plan; null when standalone
 * @param trust    the cluster's shared secret, or {@link ClusterTrust#standalone()}
 */
record NodeVertx(Vertx vertx, PrometheusMeterRegistry registry, ClusterManager manager, ClusterPlan plan,
    ClusterTrust trust) {

  private static final Logger LOG = LoggerFactory.getLogger(IngressNode.class);

  /** True when the node runs with a cluster manager ({@code cluster.members} non-empty). */
  boolean clustered() {
    return manager != null;
  }

  /**
   * Builds the Vert.x of {@code config}: standalone when {@code cluster.members} is empty, otherwise clustered
   * (completes once this node is a member). Fails with a {@link dev.ghost.ingress.config.ConfigException} when the
   * cluster settings cannot be applied on this machine (e.g. no bind host), or without the fleet's secret.
   */
  static Future<NodeVertx> build(IngressConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(new HelpText()).meterFilter(new PrometheusConventions());
    VertxOptions options = new VertxOptions()
        .setPreferNativeTransport(config.proxy().nativeTransport())
        .setEventLoopPoolSize(eventLoops(config))
        // the data path counts its own connections (ghost_*); Vert.x would book each accept it hands over at once
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .addDisabledMetricsCategory(MetricsDomain.NET_SERVER));
    VertxBuilder builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry));
    if (!ClusterPlan.clustered(config.cluster())) {
      return Future.succeededFuture(new NodeVertx(builder.build(), registry, null, null, ClusterTrust.standalone()));
    }
    ClusterPlan plan;
    ClusterTrust trust;
    try {
      plan = ClusterPlan.of(config.cluster(), config.nodeId());
      // after the plan, so a member list naming no local address is reported first; before Hazelcast starts, so
      // a node without the fleet's secret never joins
      trust = ClusterTrust.load(config.cluster());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return buildClustered(builder, options, plan, trust)
        .map(c -> new NodeVertx(c.vertx(), registry, c.manager(), plan, trust));
  }

  /** One event loop, and one listener instance, per core unless configured. */
  static int eventLoops(IngressConfig config) {
    int n = config.proxy().eventLoops();
    return n > 0 ? n : Runtime.getRuntime().availableProcessors();
  }

  /**
   * The one clustered code path: Hazelcast classes are first touched here. Joining happens on Vert.x worker
   * threads; the returned future completes once this node is a member.
   */
  private static Future<Clustered> buildClustered(VertxBuilder builder, VertxOptions options, ClusterPlan plan,
      ClusterTrust trust) {
    ClusterManager manager;
    try {
      manager = ClusterSetup.clusterManager(plan);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    options.setEventBusOptions(plan.eventBusOptions(trust));
    builder.with(options).withClusterManager(manager);
    if (trust.secured()) {
      builder.withTransport(WatchedTransport.forEventBus(options, trust)); // counts failed event-bus handshakes
      trust.prepareTlsInBackground();
    }
    long t0 = System.nanoTime();
    Duration deadline = JoinDeadline.configured();
    return JoinDeadline.within(builder.buildClustered(), deadline, "joining cluster '" + plan.name()
        + "' (members " + plan.memberAddresses() + "; is every one a node of this fleet?)", Vertx::close)
        .recover(err -> Future.failedFuture(namedBindFailure(err, plan)))
        .onSuccess(v -> LOG.atInfo().addKeyValue("cluster", plan.name()).addKeyValue("bind_host", plan.bindHost())
            .addKeyValue("port", plan.port()).addKeyValue("members", plan.memberAddresses())
            .addKeyValue("cluster_node_id", manager.getNodeId()).addKeyValue("trust", trust.mode().label())
            .addKeyValue("join_ms", (System.nanoTime() - t0) / 1_000_000).log("cluster joined"))
        .map(v -> new Clustered(v, manager));
  }

  private record Clustered(Vertx vertx, ClusterManager manager) {}

  /**
   * {@code err}, or for a taken event-bus port (which Vert.x reports as the socket's bare "bind(..) failed") a
   * {@link BindException} naming the event-bus address. Hazelcast names its own port already.
   */
  private static Throwable namedBindFailure(Throwable err, ClusterPlan plan) {
    boolean bind = err instanceof BindException
        || (err instanceof IOException && String.valueOf(err.getMessage()).startsWith("bind("));
    if (!bind) {
      return err;
    }
    BindException named = new BindException("cannot bind the event bus at " + plan.bindHostForAddress() + ":"
        + plan.eventBusPort() + " (GHOST_EVENTBUS_PORT): " + err.getMessage());
    named.initCause(err);
    return named;
  }

  /** The {@code cluster} object of {@code /v1/status}. */
  JsonObject clusterJson() {
    JsonObject json = new JsonObject().put("enabled", manager != null).put("name", plan == null ? null : plan.name());
    if (manager == null) {
      return json.put("members", null).put("node_id", null).put("trust", null);
    }
    json.put("trust", trust.mode().label());
    try {
      // a local read of Hazelcast's current member list: no remote call, safe on the event loop
      return json.put("members", manager.getNodes().size()).put("node_id", manager.getNodeId());
    } catch (RuntimeException e) {
      return json.put("members", 0).put("node_id", null); // closing: Hazelcast is already gone
    }
  }
}
