package dev.ghost.ingress.cluster;

import dev.ghost.ingress.sync.ControlPlaneState;
import dev.ghost.ingress.sync.SyncVerticle;
import io.vertx.core.Future;
import java.util.function.Predicate;

/**
 * What the routing log ({@link FleetReplication}) needs of the node's sync: the version it serves, and taking a
 * version from the cluster. The node's {@link SyncVerticle} in production ({@link #of}); a plain holder of a state
 * in tests that count what the log writes.
 */
interface Replica {

  /** The state in force, its content hash, and whether anything is served yet. */
  SyncVerticle.Served served();

  /**
   * Serves {@code candidate} if {@code accept} holds for what is served when it is its turn; true when taken.
   * See {@link SyncVerticle#adopt}.
   */
  Future<Boolean> adopt(ControlPlaneState candidate, Predicate<SyncVerticle.Served> accept);

  /** The node's sync as the routing log's replica. */
  static Replica of(SyncVerticle sync) {
    return new Replica() {
      @Override
      public SyncVerticle.Served served() {
        return sync.served();
      }

      @Override
      public Future<Boolean> adopt(ControlPlaneState candidate, Predicate<SyncVerticle.Served> accept) {
        return sync.adopt(candidate, accept);
      }
    };
  }
}
