package dev.ghost.ingress.admin;

import java.time.Duration;
import java.util.Optional;

/** Starts a node's graceful drain: the one code path of SIGTERM and the admin "drain node" command. */
public interface NodeDrainer {

  /**
   * What a started drain announces.
   *
   * @param openConnections connections open on the node when it started
   * @param deadline        {@code proxy.shutdown_timeout}: what is still open then is closed as drain_deadline
   */
  record Started(int openConnections, Duration deadline) {}

  /** Starts the drain; empty when one already runs. {@code cause} is logged ({@code signal TERM}, {@code admin}). */
  Optional<Started> begin(String cause);
}
