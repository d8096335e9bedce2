package dev.ghost.ingress;

import dev.ghost.ingress.admin.AdminCommandsVerticle;
import dev.ghost.ingress.admin.AdminVerticle;
import dev.ghost.ingress.admin.DrainViewVerticle;
import dev.ghost.ingress.admin.NodeState;
import dev.ghost.ingress.cluster.ClusterTrust;
import dev.ghost.ingress.observe.LogLevels;
import dev.ghost.ingress.config.ConfigDiff;
import dev.ghost.ingress.config.ConfigReloader;
import dev.ghost.ingress.config.ConfigWatcherVerticle;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.config.LiveConfig;
import dev.ghost.ingress.config.Settings;
import dev.ghost.ingress.health.HealthVerticle;
import dev.ghost.ingress.health.ProbeScheduler;
import dev.ghost.ingress.observe.AccessLog;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.EventLoopLag;
import dev.ghost.ingress.observe.PrometheusConventions;
import dev.ghost.ingress.observe.RouteProblemLog;
import dev.ghost.ingress.observe.RouteStateRetention;
import dev.ghost.ingress.observe.RouteTableMetrics;
import dev.ghost.ingress.proxy.BoundSockets;
import dev.ghost.ingress.proxy.ConnectionIds;
import dev.ghost.ingress.proxy.ConnectionLimits;
import dev.ghost.ingress.proxy.DrainCounts;
import dev.ghost.ingress.proxy.ListenerVerticle;
import dev.ghost.ingress.proxy.ProxyServices;
import dev.ghost.ingress.proxy.ReusePortSockets;
import dev.ghost.ingress.proxy.Sockets;
import dev.ghost.ingress.eligibility.BackendHealth;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.eligibility.RoundRobinSelector;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.route.RouteTableRef;
import dev.ghost.ingress.sync.StateFile;
import dev.ghost.ingress.sync.SyncStatus;
import dev.ghost.ingress.sync.SyncVerticle;
import dev.ghost.ingress.observe.MetricNames;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running ingress node: its Vert.x instance, route table, listeners and admin API, assembled from a validated
 * configuration. {@link #start} resolves once every configured listener is bound (a failure to bind one at start-up
 * fails it) and the admin API answers.
 */
public final class IngressNode {

  private static final Logger LOG = LoggerFactory.getLogger(IngressNode.class);

  /** The configuration the node started with: what only a restart changes is read from here. */
  private final IngressConfig config;
  private final LiveConfig live;
  /** The config file to reload and the environment over it; null on the embedded default. */
  private final Path configFile;
  private final Map<String, String> configEnv;
  private volatile ConfigWatcherVerticle watcher;
  private volatile SyncVerticle sync;
  /** The Vert.x instance with its registry and, when clustered, its cluster manager, plan and trust. */
  private final NodeVertx platform;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final RouteTableRef tables;
  private final BoundSockets bound = new BoundSockets();
  private final ReusePortSockets reusePort = new ReusePortSockets();
  private final NodeState state;
  private final ProxyServices services;
  private final SyncStatus syncStatus = new SyncStatus();
  private final AtomicLong tableVersions = new AtomicLong(1);
  private final AtomicBoolean listenersUp = new AtomicBoolean();
  private final AtomicBoolean firstTable = new AtomicBoolean();
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final EventLoopLag eventLoopLag;
  private final ClusterManager clusterManager;
  /** What this node trusts in its cluster: the shared secret, or nothing (standalone, insecure). */
  private final ClusterTrust trust;
  private final List<ListenerVerticle> listeners = new CopyOnWriteArrayList<>();
  private final NodeDrain drain;
  /** Marks this node draining in the fleet map; a no-op unless the fleet coordinator runs. */
  private volatile Runnable leaveFleet = () -> { };
  private int adminPort = -1;

  private IngressNode(IngressConfig config, NodeVertx platform, Path configFile, Map<String, String> configEnv) {
    this.config = config;
    this.platform = platform;
    this.trust = platform.trust();
    this.live = new LiveConfig(config);
    this.configFile = configFile;
    this.configEnv = configEnv;
    this.clusterManager = platform.manager();
    this.vertx = platform.vertx();
    this.registry = platform.registry();
    this.state = new NodeState(config.nodeId(), Version.current());
    this.tables = new RouteTableRef(staticTable(config, 1));
    IngressMetrics metrics = new IngressMetrics(registry);
    KnownLabels.register(metrics);
    metrics.buildInfo(Version.current(), Version.commit());
    trust.countIn(metrics);
    IngressConfig.Proxy p = config.proxy();
    RoundRobinSelector selector = new RoundRobinSelector();
    int maxConnections = maxConnections(config.limits());
    this.services = new ProxyServices(
        live::proxy,
        selector,
        new BackendHealth(p.ejectBase(), p.ejectMax(), System::nanoTime),
        new ConnectionLimits(maxConnections, config.limits().maxConnectionsPerIp(),
            config.limits().maxConnectionsPerRoute()),
        new ConnectionIds(),
        metrics,
        new AccessLog(config.log().accessLog()),
        new DrainCounts());
    metrics.gaugeOf(MetricNames.CONNECTIONS_DRAINING, services.drains(), DrainCounts::total);
    this.drain = new NodeDrain(vertx, state, () -> live.proxy().shutdownTimeout(), () -> services.limits().open(),
        deadlineMs -> listeners.stream().map(l -> l.drainAll(deadlineMs)).toList(), () -> leaveFleet.run(),
        this::close);
    RouteTableMetrics.register(metrics, tables, services.health(), bound::failedHosts);
    RouteProblemLog.attach(tables); // static and control-plane conflicts and rejections, each logged once
    registerSyncMetrics(metrics);
    RouteStateRetention.attach(tables, selector, services.health(), metrics);
    bindJvmMetrics(registry);
    this.eventLoopLag = EventLoopLag.start(Sockets.eventLoops(vertx), registry);
    live.onChange(this::onConfigChange);
  }

  private static int maxConnections(IngressConfig.Limits limits) {
    return limits.maxConnections() > 0 ? limits.maxConnections() : ConnectionLimits.fromOpenFileLimit(openFileLimit());
  }

  /**
   * Puts a reloaded configuration in force (the new value is already current in {@link #live}): log level, access
   * log, limits; a changed static table, port policy or listener set rebuilds the table, whose swap makes the
   * listeners reconcile. Proxy timeouts and health settings need nothing here: they are read live.
   */
  private void onConfigChange(ConfigDiff diff) {
    IngressConfig next = diff.effective();
    if (diff.changed().contains(Settings.LOG_LEVEL.key())) {
      LogLevels.apply(next.log().level());
    }
    services.accessLog().enabled(next.log().accessLog());
    IngressConfig.Limits l = next.limits();
    services.limits().update(maxConnections(l), l.maxConnectionsPerIp(), l.maxConnectionsPerRoute());
    boolean rebuild = diff.changed().stream().anyMatch(k -> k.startsWith("listen") || k.equals("env")
        || k.equals("route") || k.startsWith("limits.tcp_raw"));
    if (!rebuild) {
      return;
    }
    if (sync != null) {
      sync.staticsChanged(next);
    } else if (!config.controlPlane().enabled()) {
      RouteTable table = staticTable(next, tableVersions.incrementAndGet());
      tables.swap(table);
      LOG.atInfo().addKeyValue("version", table.version()).addKeyValue("routes", table.routes().size())
          .addKeyValue("cause", "config_reload").log("route table applied");
    }
  }

  /** The standard JVM and process meters ({@code jvm_*}, {@code process_*}, {@code system_*}). */
  private void bindJvmMetrics(PrometheusMeterRegistry registry) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    PrometheusConventions.bindProcessCpu(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  private void registerSyncMetrics(IngressMetrics metrics) {
    metrics.gaugeOf(MetricNames.SYNC_CURSOR, syncStatus, SyncStatus::cursor);
    metrics.gaugeOf(MetricNames.SYNC_LAST_SUCCESS_TIMESTAMP, syncStatus, SyncStatus::lastSuccessTimestampSeconds);
    metrics.gaugeOf(MetricNames.STATE_FILE_WRITTEN_TIMESTAMP, syncStatus, SyncStatus::stateWrittenTimestampSeconds);
    metrics.gaugeOf(MetricNames.STATE_FILE_VERSION, syncStatus, SyncStatus::stateVersion);
  }

  /** Builds the route table of the static configuration. */
  public static RouteTable staticTable(IngressConfig config, long version) {
    return new RouteTableBuilder(version, PortPolicy.from(config.limits()))
        .addStatic(config.envs(), config.routes())
        .build();
  }

  /**
   * Starts a node: standalone when {@code cluster.members} is empty (no Hazelcast class is loaded), otherwise
   * clustered ({@link NodeVertx#build}). Fails with a {@link dev.ghost.ingress.config.ConfigException} when
   * the cluster settings cannot be applied on this machine (e.g. no bind host).
   */
  public static Future<IngressNode> start(IngressConfig config) {
    return start(config, null, Map.of());
  }

  /**
   * Like {@link #start(IngressConfig)}, for a node whose configuration was read from {@code configFile} with
   * {@code env} on top: the file is watched and reloaded ({@code config.scan_period}, admin {@code reload-config}).
   * A null file (the embedded default) has nothing to reload.
   */
  public static Future<IngressNode> start(IngressConfig config, Path configFile, Map<String, String> env) {
    LogLevels.apply(config.log().level());
    return NodeVertx.build(config).compose(platform -> startOn(config, platform, configFile, env));
  }

  private static Future<IngressNode> startOn(IngressConfig config, NodeVertx platform, Path configFile,
      Map<String, String> env) {
    IngressNode node = new IngressNode(config, platform, configFile, env);
    node.state.clusterView(platform::clusterJson);
    // Closing completes on the closed instance's own threads, so the failure is not chained behind it
    return node.deploy().map(node).onFailure(err -> {
      node.gcMetrics.close();
      node.eventLoopLag.close();
      platform.vertx().close();
    });
  }

  private Future<Void> deploy() {
    logTransport();
    // read while the verticles below deploy: the sync serves it first (a second or more at 100 000 routes)
    CompletionStage<StateFile.Loaded> stateFile = !config.controlPlane().enabled() ? null
        : vertx.executeBlocking(() -> StateFile.read(Path.of(config.state().file())), false).toCompletionStage();
    RouteTable table = tables.current();
    int instances = NodeVertx.eventLoops(config);
    AdminVerticle admin = new AdminVerticle(config.admin(), state, tables, bound, services, registry, syncStatus,
        trust);
    DeploymentOptions listeners = new DeploymentOptions().setInstances(instances);
    return vertx.deployVerticle(this::listener, listeners)
        .compose(id -> deployHealth())
        .compose(id -> deployDrainView())
        .compose(id -> deployWatcher())
        .compose(id -> vertx.deployVerticle(AdminCommandsVerticle.create(state.nodeId(), tables, bound, services,
            state, syncStatus, config().state().file(),
            watcher == null ? null : () -> watcher.reloadNow(ConfigReloader.ADMIN), trust)))
        .compose(id -> vertx.deployVerticle(admin))
        .compose(id -> deploySync(stateFile))
        .onSuccess(v -> {
          adminPort = admin.port();
          listenersUp.set(true);
          state.nodeDrainer(drain);
          LOG.atInfo().addKeyValue("node_id", state.nodeId()).addKeyValue("routes", table.routes().size())
              .addKeyValue("event_loops", instances)
              .addKeyValue("control_plane", config.controlPlane().enabled()).log("ingress started");
          maybeReady();
        });
  }

  private ListenerVerticle listener() {
    ListenerVerticle l = new ListenerVerticle(live::listen, tables, bound, services, reusePort);
    listeners.add(l);
    return l;
  }

  /** Shares this node's open connections per draining backend and aggregates the fleet's ({@code ghost.drain.view}). */
  private Future<Void> deployDrainView() {
    DrainViewVerticle view = new DrainViewVerticle(state.nodeId(), services.drains(), services.health().drains(),
        clusterManager);
    return vertx.deployVerticle(view).onSuccess(id -> state.drainView(view::fleet)).mapEmpty();
  }

  /** Config hot reload, when the node runs from a file (the embedded default has nothing to watch). */
  private Future<Void> deployWatcher() {
    if (configFile == null) {
      return Future.succeededFuture();
    }
    // a re-read file is held to start-up's rule for static routes: one that start-up would refuse is not applied
    ConfigWatcherVerticle w = new ConfigWatcherVerticle(configFile, configEnv, live, services.metrics().reloads(),
        next -> StaticCheck.require(next, configFile.toString()));
    return vertx.deployVerticle(w).onSuccess(id -> watcher = w).mapEmpty();
  }

  /**
   * The health verticle (publishes this node's health view on the event bus, keeps every node's) and the active
   * prober, which reads the health settings in force at every probe.
   */
  private Future<Void> deployHealth() {
    HealthVerticle health = new HealthVerticle(state.nodeId(), services.health(), tables, clusterManager);
    return vertx.deployVerticle(health).onSuccess(id -> state.healthView(health::matrix))
        .compose(id -> vertx.deployVerticle(new ProbeScheduler(state.nodeId(), live::health,
            services.health(), tables, services.metrics(), ProbeScheduler.DEFAULT_MAX_IN_FLIGHT)))
        .mapEmpty();
  }

  /** Starts control-plane sync when a URL is configured; the node is ready once its first table is in force. */
  private Future<Void> deploySync(CompletionStage<StateFile.Loaded> stateFile) {
    if (!config.controlPlane().enabled()) {
      firstTable.set(true);
      return Future.succeededFuture();
    }
    IngressConfig given = live.current();
    SyncVerticle sync = new SyncVerticle(given, tables, tableVersions, services.metrics(), syncStatus,
        () -> {
          firstTable.set(true);
          maybeReady();
        }, !clustered(), stateFile);
    Future<String> deployed = vertx.deployVerticle(sync).onSuccess(id -> {
      this.sync = sync;
      if (live.current() != given) {
        sync.staticsChanged(live.current()); // a reload landed while the verticle deployed
      }
    });
    if (!clustered()) {
      return deployed.mapEmpty();
    }
    return deployed.compose(id -> deployFleet(sync));
  }

  /**
   * Clustered with a control plane: the fleet coordinator elects the syncing node and shares its state (the only
   * path that loads {@code dev.ghost.ingress.cluster.FleetCoordinator}, and with it Hazelcast).
   */
  private Future<Void> deployFleet(SyncVerticle sync) {
    dev.ghost.ingress.cluster.FleetCoordinator fleet =
        new dev.ghost.ingress.cluster.FleetCoordinator(clusterManager, sync, state.nodeId(), trust);
    return vertx.deployVerticle(fleet).onSuccess(id -> {
      leaveFleet = fleet::markDraining;
      var drainView = state.drainView();
      state.fleetView(() -> fleet.fleet().map(view -> view.put("draining", drainView.get())));
    }).mapEmpty();
  }

  private void maybeReady() {
    if (listenersUp.get() && firstTable.get() && state.phase() == NodeState.Phase.STARTING) {
      state.phase(NodeState.Phase.SERVING);
      eventLoopLag.serving(); // stalls from now on delay connections; those before were the start's own
      LOG.atInfo().addKeyValue("node_id", state.nodeId()).addKeyValue("table_version", tables.current().version())
          .log("ingress ready");
    }
  }

  private void logTransport() {
    boolean nativeOn = vertx.isNativeTransportEnabled();
    var log = LOG.atInfo().addKeyValue("native_transport", nativeOn);
    if (!nativeOn && config.proxy().nativeTransport()) {
      log = LOG.atWarn().addKeyValue("native_transport", false)
          .addKeyValue("cause", String.valueOf(vertx.unavailableNativeTransportCause()));
    }
    log.log("transport selected");
  }

  private static long openFileLimit() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
      return os.getMaxFileDescriptorCount();
    }
    return 4096;
  }

  /** True when this node runs with a cluster manager ({@code cluster.members} non-empty). */
  public boolean clustered() {
    return platform.clustered();
  }

  /**
   * The graceful drain of SIGTERM and the admin "drain node" command ({@link NodeDrain}): stops accepting, relays
   * open connections until they end or {@code proxy.shutdown_timeout}, then closes the node. A second call joins
   * the running drain. The returned future completes once the node is closed.
   */
  public Future<Void> drain(String cause) {
    drain.begin(cause);
    return drain.done();
  }

  /**
   * Re-reads the config file now through the path of the admin {@code reload-config} command, without blocking the
   * caller (any thread: the work runs on the reload verticle's event loop).
   *
   * @param trigger the reload's {@code trigger} label, e.g. {@link ConfigReloader#SIGNAL}
   * @return the diff put in force, or a failure: the refusing {@link dev.ghost.ingress.config.ConfigException}
   *     (already logged and counted), or {@link IllegalStateException} when the node runs on the embedded
   *     default and has no file
   */
  public Future<ConfigDiff> reloadConfig(String trigger) {
    ConfigWatcherVerticle w = watcher;
    return w == null
        ? Future.failedFuture(new IllegalStateException("no config file: the node runs on the embedded default"))
        : w.reloadNow(trigger);
  }

  /** Completes once a graceful drain, whoever started it, has closed the node. */
  public Future<Void> drained() {
    return drain.done();
  }

  /**
   * Stops accepting and closes everything at once (open connections included), without a drain. A clustered node
   * leaves the cluster through {@code vertx.close()} (which shuts its Hazelcast member down last); shutting
   * Hazelcast down first would break the close.
   */
  public Future<Void> close() {
    state.phase(NodeState.Phase.DRAINING);
    gcMetrics.close();
    eventLoopLag.close();
    return vertx.close();
  }

  /** The bound admin port (useful with {@code admin.listen} port 0). */
  public int adminPort() {
    return adminPort;
  }

  /** The configuration in force (after reloads; restart-only values are those the node started with). */
  public IngressConfig config() {
    return live.current();
  }

  public Vertx vertx() {
    return vertx;
  }

  public RouteTableRef tables() {
    return tables;
  }

  public BoundSockets bound() {
    return bound;
  }

  public NodeState state() {
    return state;
  }

  public ProxyServices services() {
    return services;
  }

  public SyncStatus syncStatus() {
    return syncStatus;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
