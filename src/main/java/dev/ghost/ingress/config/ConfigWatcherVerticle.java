package dev.ghost.ingress.config;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Wiring of config hot reload: scans the file every {@code config.scan_period} (re-read after every applied
 * change, so a new period takes effect at once; {@code 0} stops scanning) and runs explicit reloads on the same
 * event loop. The logic is {@link ConfigReloader}.
 */
public final class ConfigWatcherVerticle extends VerticleBase {

  private final Path file;
  private final Map<String, String> env;
  private final LiveConfig live;
  private final ReloadEvents events;
  private final Consumer<IngressConfig> vet;
  private ConfigReloader reloader;
  private long timer = -1;
  private boolean scanning;
  private boolean stopped;

  /**
   * @param file    the config file the node started from
   * @param env     the environment laid over it
   * @param live    the configuration in force
   * @param events  where reloads are reported (counted)
   * @param vet     start-up's checks beyond the values, applied to every re-read file ({@link ConfigReloader})
   */
  public ConfigWatcherVerticle(Path file, Map<String, String> env, LiveConfig live, ReloadEvents events,
      Consumer<IngressConfig> vet) {
    this.file = file;
    this.env = env;
    this.live = live;
    this.events = events;
    this.vet = vet;
  }

  @Override
  public Future<?> start() {
    reloader = new ConfigReloader(vertx, file, env, live, events, vet);
    events.appliedAt(reloader::appliedAtMillis);
    live.onChange(diff -> {
      if (diff.changed().contains(Settings.CONFIG_SCAN_PERIOD.key())) {
        context.runOnContext(v -> reschedule());
      }
    });
    schedule();
    return Future.succeededFuture();
  }

  /**
   * Re-reads and applies the file now; callable from any thread (a signal handler's too): it only hands the work
   * to this verticle's event loop and never blocks the caller.
   *
   * @param trigger {@link ConfigReloader#ADMIN} or {@link ConfigReloader#SIGNAL}
   */
  public Future<ConfigDiff> reloadNow(String trigger) {
    Promise<ConfigDiff> done = Promise.promise();
    context.runOnContext(v -> reloader.reloadNow(trigger).onComplete(done));
    return done.future();
  }

  private void reschedule() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    schedule();
  }

  private void schedule() {
    long period = live.current().reload().scanPeriod().toMillis();
    if (stopped || scanning || timer >= 0 || period <= 0) {
      return;
    }
    timer = vertx.setTimer(period, t -> {
      timer = -1;
      scanning = true;
      reloader.scan().onComplete(ar -> {
        scanning = false;
        schedule();
      });
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return reloader.close();
  }
}
