package dev.ghost.ingress.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Re-reads the node's config file through vertx-config (the same non-optional file store, processors, environment
 * overlay and validation as at start-up) and puts the result in force through {@link LiveConfig}. Periodic scans
 * pass the {@link ScanGate}; an explicit reload acts at once. A refused file is one log line and one
 * {@code ghost_config_reload_failures_total{reason}} increment, and changes nothing. Confined to one event loop.
 */
public final class ConfigReloader {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

  /** The {@code trigger} label of a periodic scan. */
  public static final String SCAN = "scan";
  /** The {@code trigger} label of an explicit (admin) reload. */
  public static final String ADMIN = "admin";
  /** The {@code trigger} label of a reload asked for by SIGHUP. */
  public static final String SIGNAL = "signal";

  private final Vertx vertx;
  private final Path file;
  private final String source;
  private final Map<String, String> env;
  private final LiveConfig live;
  private final ReloadEvents events;
  private final Consumer<IngressConfig> vet;
  private final ConfigRetriever retriever;
  private final ScanGate<ConfigScan> gate = new ScanGate<>();
  private volatile long appliedAtMillis = System.currentTimeMillis();

  /**
   * @param file    the config file the node started from
   * @param env     the environment laid over the file (the start-up one)
   * @param live    the configuration in force
   * @param events  where reloads and failures are reported (counted)
   * @param vet     what start-up checks beyond the values (the static route table): throws a
   *                {@link ConfigException} to refuse the file; runs off the event loop
   */
  public ConfigReloader(Vertx vertx, Path file, Map<String, String> env, LiveConfig live, ReloadEvents events,
      Consumer<IngressConfig> vet) {
    this.vertx = vertx;
    this.file = file;
    this.source = file.toString();
    this.env = env;
    this.live = live;
    this.events = events;
    this.vet = vet;
    // scan period 0: the retriever never scans by itself; getConfig() re-reads the store on each call
    this.retriever = ConfigRetriever.create(vertx, ConfigLoader.retrieverOptions(file, 0));
  }

  /** Epoch milliseconds at which the configuration in force was applied. */
  public long appliedAtMillis() {
    return appliedAtMillis;
  }

  /** One periodic scan: acts only on the second identical read that differs from what was acted on last. */
  public Future<ConfigDiff> scan() {
    return read().compose(scan -> {
      ConfigScan due = gate.offer(scan);
      return due == null ? Future.succeededFuture(null) : act(due, SCAN).otherwise((ConfigDiff) null);
    });
  }

  /**
   * Re-reads and applies now (the operator asserts the file is complete).
   *
   * @param trigger who asked: {@link #ADMIN} or {@link #SIGNAL}
   * @return the diff put in force (possibly empty), or a failure with the {@link ConfigException} that refused it
   */
  public Future<ConfigDiff> reloadNow(String trigger) {
    return read().compose(scan -> {
      gate.settle(scan);
      return act(scan, trigger);
    });
  }

  /** Reads and parses the file; never fails (a failure is a {@link ConfigScan.Failed}). */
  Future<ConfigScan> read() {
    return vertx.<Void>executeBlocking(() -> {
          ConfigLoader.checkReadable(file);
          return null;
        })
        .compose(v -> retriever.getConfig())
        .<ConfigScan>map(ConfigScan.Read::new)
        .otherwise(e -> {
          ConfigException ce = ConfigLoader.asConfigException(source, e);
          return ConfigScan.Failed.of(ReloadFailure.ofRead(ce), ce);
        });
  }

  private Future<ConfigDiff> act(ConfigScan scan, String trigger) {
    if (scan instanceof ConfigScan.Failed failed) {
      return refused(failed.reason(), failed.error(), trigger);
    }
    ConfigScan.Read read = (ConfigScan.Read) scan;
    return vertx.executeBlocking(() -> {
          IngressConfig next = ConfigLoader.fromJson(read.content(), env, source);
          vet.accept(next);
          return next;
        })
        .recover(err -> refused(ReloadFailure.INVALID, ConfigLoader.asConfigException(source, err), trigger))
        .map(next -> applied(live.apply(next), trigger));
  }

  private ConfigDiff applied(ConfigDiff diff, String trigger) {
    diff.restartOnly().forEach(key -> LOG.atWarn().addKeyValue("file", source).addKeyValue("key", key)
        .addKeyValue("trigger", trigger).log("config change applies on restart; the value in force is kept"));
    if (diff.applies()) {
      appliedAtMillis = System.currentTimeMillis();
      events.applied(trigger);
      LOG.atInfo().addKeyValue("file", source).addKeyValue("changed", diff.changed())
          .addKeyValue("trigger", trigger).log("config reloaded");
    } else {
      // an operator who asked for a reload is told its outcome; a periodic scan that found nothing new is noise
      LOG.atLevel(SCAN.equals(trigger) ? Level.DEBUG : Level.INFO)
          .addKeyValue("file", source).addKeyValue("trigger", trigger).log("config unchanged");
    }
    return diff;
  }

  private <T> Future<T> refused(ReloadFailure reason, ConfigException e, String trigger) {
    LOG.atError().addKeyValue("file", e.file()).addKeyValue("key", e.key()).addKeyValue("reason", reason.label())
        .addKeyValue("trigger", trigger).log("config reload rejected, previous config stays: " + e.reason());
    events.refused(reason);
    return Future.failedFuture(e);
  }

  /** Releases the retriever. */
  public Future<Void> close() {
    retriever.close();
    return Future.succeededFuture();
  }
}
