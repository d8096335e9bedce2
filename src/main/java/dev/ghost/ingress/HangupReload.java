package dev.ghost.ingress;

import dev.ghost.ingress.admin.NodeState;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.ConfigReloader;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP re-reads the config file, as nginx and HAProxy operators expect: the same path as the admin
 * {@code reload-config} command ({@link IngressNode#reloadConfig}), with the {@code trigger} label
 * {@value ConfigReloader#SIGNAL}. Its outcome is logged by the reloader: {@code config reloaded},
 * {@code config unchanged} or {@code config reload rejected, previous config stays}.
 *
 * <p>The JVM runs a signal handler on a thread of its own; the handler only hands the reload to the reload
 * verticle's event loop and returns, so it never blocks and never runs config code off a Vert.x context. A HUP that
 * arrives while the node starts is applied once it is up; one during a drain is ignored (the node is going away).
 */
final class HangupReload {

  private final Logger log;
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile IngressNode node;

  HangupReload(Logger log) {
    this.log = log;
  }

  /**
   * Installs the SIGHUP handler (replacing the JVM's default, which exits). A process started with SIGHUP ignored
   * (under {@code nohup}, say) keeps it ignored: the JVM will not replace an ignored disposition, so a HUP would
   * silently do nothing; that is said once at start instead.
   */
  void trap() {
    try {
      SignalHandler previous = Signal.handle(new Signal("HUP"), sig -> onHangup());
      if (previous == SignalHandler.SIG_IGN) {
        log.atWarn().addKeyValue("signal", "HUP")
            .log("SIGHUP was ignored when the node started (nohup?), so it cannot reload; use admin reload");
      }
    } catch (IllegalArgumentException unavailable) {
      // -Xrs or a platform without SIGHUP: reload stays available through the admin API
      log.atWarn().addKeyValue("signal", "HUP").log("SIGHUP cannot be trapped; use admin reload");
    }
  }

  /** The node is up: from now on a HUP reloads at once, and one that came during start-up reloads now. */
  void started(IngressNode started) {
    node = started;
    if (pending.getAndSet(false)) {
      reload(started);
    }
  }

  private void onHangup() {
    IngressNode n = node;
    if (n == null) {
      pending.set(true);
      log.atInfo().addKeyValue("signal", "HUP").log("config reload requested during start-up: runs once up");
      if (node != null && pending.getAndSet(false)) {
        reload(node); // the node came up between the two reads
      }
      return;
    }
    reload(n);
  }

  private void reload(IngressNode n) {
    if (n.state().phase() == NodeState.Phase.DRAINING) {
      log.atInfo().addKeyValue("signal", "HUP").log("config reload ignored: the node is draining");
      return;
    }
    log.atInfo().addKeyValue("signal", "HUP").addKeyValue("trigger", ConfigReloader.SIGNAL)
        .log("config reload requested");
    n.reloadConfig(ConfigReloader.SIGNAL).onFailure(e -> {
      if (!(e instanceof ConfigException)) {
        // a refused file is logged and counted by the reloader; this is the node that has no file at all
        log.atWarn().addKeyValue("signal", "HUP").log("config reload impossible: " + e.getMessage());
      }
    });
  }
}
