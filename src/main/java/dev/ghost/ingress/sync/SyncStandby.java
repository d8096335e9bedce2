package dev.ghost.ingress.sync;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a clustered follower's control-plane read path warm, so that a follower elected after the leader died reads
 * the feed at once rather than on code its JVM never ran: every {@value #PERIOD_MS} ms it reads the last
 * {@value #EVENTS} events behind its cursor and folds them into a throwaway copy of its state, and reads the
 * instances of one route's group and merges them into another. Nothing is applied, served, written or published, and nothing it reads is kept:
 * the point is the pooled keep-alive connection, the loaded classes and the compiled decoders.
 *
 * <p>What it costs: at most two small requests per follower per period (one feed page of {@value #EVENTS} events,
 * one instances list), read through the same size caps as the sync's own reads. A failed read changes nothing and is
 * logged at debug only: a follower has no sync to fail. See docs/clustering.md, "Failover".
 */
final class SyncStandby {

  private static final Logger LOG = LoggerFactory.getLogger(SyncStandby.class);
  /** How often a follower reads: well within the HTTP client's keep-alive time, so the connection stays pooled. */
  static final long PERIOD_MS = 5_000;
  /** Events read behind the cursor: enough to run the decoder and the state's fold on real events. */
  static final int EVENTS = 16;

  private final Vertx vertx;
  private final ControlPlaneClient client;
  private final Supplier<ControlPlaneState> state;
  private long timer = -1;
  private boolean reading;

  /**
   * @param vertx  the sync verticle's Vert.x (its timer runs on the caller's context)
   * @param client the sync's own client: its connection pool is the one kept warm
   * @param state  the state in force (only read)
   */
  SyncStandby(Vertx vertx, ControlPlaneClient client, Supplier<ControlPlaneState> state) {
    this.vertx = vertx;
    this.client = client;
    this.state = state;
  }

  /** Starts reading every period (idempotent); call on the sync verticle's context. */
  void start() {
    if (timer < 0) {
      timer = vertx.setPeriodic(PERIOD_MS / 5, PERIOD_MS, id -> warm());
    }
  }

  /** Stops reading (idempotent): the node leads now, or stops. */
  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** One round; none while the previous one is still reading (a slow control plane gets no pile of requests). */
  Future<Void> warm() {
    if (reading) {
      return Future.succeededFuture();
    }
    reading = true;
    ControlPlaneState from = state.get();
    return client.events(Math.max(0, from.cursor() - EVENTS), EVENTS)
        .map(page -> from.apply(page.events())) // folded into a copy, then dropped: the state in force stays
        .compose(applied -> instancesOfOneGroup(from))
        .onFailure(err -> LOG.atDebug().addKeyValue("cause", String.valueOf(err)).log("sync standby read failed"))
        .<Void>mapEmpty().otherwiseEmpty()
        .andThen(ar -> reading = false);
  }

  /** One route's instances, merged into a throwaway copy of the state as a fetch after a change would. */
  private Future<?> instancesOfOneGroup(ControlPlaneState from) {
    Iterator<CpRoute> routes = from.routes().values().iterator();
    if (!routes.hasNext()) {
      return Future.succeededFuture();
    }
    CpRoute route = routes.next();
    InstanceGroup g = InstanceGroup.of(route);
    return client.readyInstances(g.appId(), g.envId(), g.processType()).map(found -> GroupSets.merge(from,
        Map.of(g, List.of(route)), new GroupFetcher.Answers(Map.of(g, found), Set.of()), Set.of(route.routeId())));
  }
}
