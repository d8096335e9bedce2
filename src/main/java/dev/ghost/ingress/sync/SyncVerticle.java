package dev.ghost.ingress.sync;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableRef;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import io.vertx.core.Promise;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's route table in step with the control plane. Wires the pieces; the decisions are elsewhere:
 * {@link ControlPlaneState} applies events, {@link ControlPlaneClient} talks HTTP, {@link FeedReader} pages the
 * feed, {@link PollSchedule} times the polls, {@link StreamedLines} batches the stream's lines, {@link BatchFold}
 * folds and counts a batch, {@link BackendRefresh} fetches instance groups, {@link RouteCap} holds
 * {@code control_plane.max_routes}, {@link LastKnownGood} loads and writes the state file, {@link StepQueue} runs
 * the steps one at a time. This class holds the lifecycle (lead, follow, the term) and what is in force.
 *
 * <ul>
 *   <li>Start: a valid state file is served at once; sync resumes from its cursor.</li>
 *   <li>Changes: the NDJSON stream when it works, else polling; a poll also re-reads a trailing window of event
 *       ids, so events that committed out of order are healed. A rare full rebuild replays from 0 and swaps only
 *       if the result differs.</li>
 *   <li>Backends: fetched before a new or changed route is swapped in, refreshed periodically and on
 *       {@code instance.status_changed}; once per (app, env, process type) group, whatever the number of routes
 *       sharing it, with a bounded number of requests in flight ({@link GroupFetcher}).</li>
 *   <li>Ready means served: the first table from the control plane is swapped in only once the feed has been read
 *       to its end by polls and every route's group has been fetched (or its fetch failed, counted and logged);
 *       the stream opens after it.</li>
 *   <li>Failures: counted, logged once per kind per interval ({@link FailureLog}), retried with capped exponential
 *       backoff and jitter; the table in force stays.</li>
 * </ul>
 * All state changes happen on this verticle's event loop, one batch at a time.
 */
public final class SyncVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SyncVerticle.class);
  /** A stream with no line for this long is treated as broken (the contract: fall back to polling). */
  private static final Duration STREAM_SILENCE = Duration.ofSeconds(30);
  /** Failures of one kind are logged at most once per this interval, with their count. */
  static final long FAILURE_LOG_INTERVAL_MS = 10_000;

  /** Replaced by {@link #staticsChanged} (a config reload); its control-plane and state settings never change. */
  private volatile IngressConfig config;
  private final IngressConfig.ControlPlane settings;
  private final RouteTableRef tables;
  private final AtomicLong versions;
  private final TableMaker tableMaker = new TableMaker();
  private final IngressMetrics metrics;
  private final SyncStatus status;
  private final Runnable onFirstTable;
  private final DroppedInstances droppedInstances;
  /** The state file's read begun before this verticle deployed, or null to read it at start. */
  private final CompletionStage<StateFile.Loaded> stateFileRead;
  private ControlPlaneClient client;
  /** Keeps the control-plane read path warm while following (a clustered node that may be elected). */
  private SyncStandby standby;
  private LastKnownGood stateFile;
  private BackendRefresh backends;
  private FailureLog failureLog;
  private final RouteCap routeCap;
  private final BatchFold fold;
  private FeedReader feed;
  private final PollSchedule pollSchedule;
  private ControlPlaneState state = ControlPlaneState.EMPTY;
  private StepQueue steps;
  private boolean published;
  private int streamFailures;
  private EventStream stream;
  private StreamedLines streamed;
  private final boolean leadAtStart;
  private volatile boolean leading;
  /** Bumped by every {@link #lead()} and {@link #follow()}: timers and streams of an earlier term stop themselves. */
  private long term;
  private final List<Long> periodics = new ArrayList<>();
  private volatile Served served = new Served(ControlPlaneState.EMPTY, ControlPlaneState.EMPTY.contentHash(), false);
  private volatile BiConsumer<Served, String> onServed = (s, cause) -> { };

  /**
   * What this node serves: the state, its content hash and whether any table from it is in force yet.
   *
   * @param state   the control-plane state in force
   * @param hash    {@link ControlPlaneState#contentHash()} of it
   * @param serving false until the first table (state file, control plane or cluster) is in force
   */
  public record Served(ControlPlaneState state, String hash, boolean serving) {}

  /**
   * @param config       the node's configuration (control-plane settings, static routes, state file, limits)
   * @param tables       the table to swap
   * @param versions     the node's table version counter, shared with other table writers
   * @param metrics      meters
   * @param status       where the sync reports its state
   * @param onFirstTable called once, on the event loop, when the first table from the state file or the control
   *                     plane is in force
   */
  public SyncVerticle(IngressConfig config, RouteTableRef tables, AtomicLong versions, IngressMetrics metrics,
      SyncStatus status, Runnable onFirstTable) {
    this(config, tables, versions, metrics, status, onFirstTable, true);
  }

  /**
   * Like the other constructor; with {@code leadAtStart} false the verticle only loads the state file and talks to
   * no control plane until {@link #lead()} (a clustered follower adopts snapshots through {@link #adopt}).
   */
  public SyncVerticle(IngressConfig config, RouteTableRef tables, AtomicLong versions, IngressMetrics metrics,
      SyncStatus status, Runnable onFirstTable, boolean leadAtStart) {
    this(config, tables, versions, metrics, status, onFirstTable, leadAtStart, null);
  }

  /**
   * Like the other constructors, with the state file already being read ({@link StateFile#read}) since the node
   * began to start: at 100 000 routes the read is a second or more, done while the other verticles deploy.
   */
  public SyncVerticle(IngressConfig config, RouteTableRef tables, AtomicLong versions, IngressMetrics metrics,
      SyncStatus status, Runnable onFirstTable, boolean leadAtStart, CompletionStage<StateFile.Loaded> stateFile) {
    this.stateFileRead = stateFile;
    this.leadAtStart = leadAtStart;
    this.config = config;
    this.settings = config.controlPlane();
    this.tables = tables;
    this.versions = versions;
    this.metrics = metrics;
    this.status = status;
    this.onFirstTable = onFirstTable;
    this.droppedInstances = new DroppedInstances(metrics);
    this.routeCap = new RouteCap(settings.maxRoutes(), this::onFailure);
    this.fold = new BatchFold(routeCap, metrics);
    this.pollSchedule = new PollSchedule(settings.pollInterval().toMillis());
  }

  @Override
  public Future<?> start() {
    client = new ControlPlaneClient(vertx, settings);
    feed = new FeedReader(client, routeCap, vertx);
    streamed = new StreamedLines(vertx, this::applyStreamed);
    standby = new SyncStandby(vertx, client, () -> state);
    stateFile = new LastKnownGood(context, Path.of(config.state().file()), stateFileRead, routeCap, status, metrics);
    failureLog = new FailureLog(FAILURE_LOG_INTERVAL_MS, SyncVerticle::nowMs);
    vertx.setPeriodic(FAILURE_LOG_INTERVAL_MS, id -> failureLog.flush());
    GroupFetcher groups = new GroupFetcher(g -> client.readyInstances(g.appId(), g.envId(), g.processType()),
        settings.maxInFlight(), settings.pollInterval().toMillis(), SyncVerticle::nowMs,
        (g, e) -> onFailure("instances of " + g, e));
    backends = new BackendRefresh(vertx, groups, droppedInstances, SyncVerticle::nowMs, this::groupRetry);
    status.mode(leadAtStart ? SyncStatus.Mode.STARTING : SyncStatus.Mode.FOLLOWING);
    status.statePath(config.state().file());
    // Everything later (syncing, adopted snapshots) queues behind the state file
    steps = new StepQueue(stateFile.load(loaded -> publish(loaded, "state_file")));
    if (leadAtStart) {
      startSyncing();
    } else {
      standby.start();
    }
    return Future.succeededFuture();
  }

  /**
   * Starts talking to the control plane (poll, stream, backend refresh, rebuild) from the cursor in force, once
   * everything queued before (state file, adopted snapshots) is done. Idempotent; callable from any thread.
   */
  public Future<Void> lead() {
    return onContext(() -> {
      startSyncing();
      return Future.succeededFuture();
    });
  }

  /**
   * Reads the control plane's feed now (after what is queued before) when this verticle leads; otherwise nothing. A
   * clustered leader woken from a freeze calls it: what changed meanwhile is then read at once, not when the poll
   * timer or the stream gets round to it. Callable from any thread.
   */
  public Future<Void> pollNow() {
    return onContext(() -> {
      if (leading) {
        long t = term;
        enqueue(() -> t != term ? Future.succeededFuture() : poll());
      }
      return Future.succeededFuture();
    });
  }

  private void startSyncing() {
    if (leading) {
      return;
    }
    leading = true;
    standby.stop();
    long t = ++term;
    status.mode(SyncStatus.Mode.STARTING);
    enqueue(() -> {
      if (t != term) {
        return Future.succeededFuture(); // followed again before this ran
      }
      int slices = GroupSets.slices(settings.backendSyncInterval().toMillis());
      periodics.add(vertx.setPeriodic(settings.backendSyncInterval().toMillis() / slices,
          id -> enqueue(() -> refreshBackends(slices))));
      if (!settings.rebuildInterval().isZero()) {
        periodics.add(vertx.setPeriodic(settings.rebuildInterval().toMillis(), id -> enqueue(this::rebuild)));
      }
      // The first read now, in this step, and the stream only after it: a stream opened at the same moment would
      // race the read for the same events and slow a node taking over the fleet's sync (docs/clustering.md; a
      // follower's SyncStandby keeps this read path warm)
      boolean serving = published;
      return pollThenSchedule(t).andThen(ar -> {
        if (settings.stream() && serving) {
          openStream(t); // else once the first table is in force: see publish
        }
      });
    });
  }

  /**
   * Stops talking to the control plane (the stream is closed, polls and refreshes end) and goes back to adopting
   * cluster snapshots: a clustered node that stopped being the oldest member (after a split-brain merge). What is
   * served stays in force; a later {@link #lead()} resumes from the cursor then in force. Idempotent; callable
   * from any thread.
   */
  public Future<Void> follow() {
    return onContext(() -> {
      if (!leading) {
        return Future.succeededFuture();
      }
      leading = false;
      term++;
      periodics.forEach(vertx::cancelTimer);
      periodics.clear();
      EventStream open = stream;
      stream = null;
      if (open != null) {
        open.close();
      }
      streamed.clear(); // their stream is closed
      standby.start();
      status.mode(SyncStatus.Mode.FOLLOWING);
      LOG.atInfo().addKeyValue("cursor", state.cursor()).log("sync stopped: following the cluster");
      return Future.succeededFuture();
    });
  }

  /** True once {@link #lead()} (or a standalone start) made this verticle talk to the control plane. */
  public boolean leading() {
    return leading;
  }

  /** What is served now; readable from any thread. */
  public Served served() {
    return served;
  }

  /**
   * Called on this verticle's event loop after every change of the served state, with its cause
   * ({@code state_file}, {@code events}, {@code backends}, {@code rebuild}, {@code cluster}). Set before deploying.
   */
  public void onServed(BiConsumer<Served, String> listener) {
    this.onServed = listener;
  }

  /**
   * Applies {@code candidate} (a cluster snapshot) after everything queued before, if {@code accept} says so for
   * what is served at that moment: its table is swapped in (when its content differs) and the state file written.
   * Idempotent. Callable from any thread; the future tells whether it was taken.
   */
  public Future<Boolean> adopt(ControlPlaneState candidate, Predicate<Served> accept) {
    return onContext(() -> {
      Promise<Boolean> taken = Promise.promise();
      enqueue(() -> {
        boolean take = accept.test(served) && routeCap.admits(candidate, "a cluster snapshot");
        return (take ? publishIfChanged(candidate, "cluster") : Future.<Void>succeededFuture())
            .andThen(ar -> taken.complete(take));
      });
      return taken.future();
    });
  }

  /**
   * A config reload changed the static envs, routes, port policy or listeners: the table in force is rebuilt from
   * the same control-plane state with {@code next}'s statics (after everything queued before) and swapped in, so
   * listeners reconcile. Before the first table nothing is swapped; the first one is built from {@code next}.
   * Callable from any thread.
   */
  public Future<Void> staticsChanged(IngressConfig next) {
    return onContext(() -> {
      Promise<Void> done = Promise.promise();
      enqueue(() -> {
        config = next;
        if (!published) {
          done.complete();
          return Future.succeededFuture();
        }
        ControlPlaneState current = state;
        return buildAndSwap(current).map(table -> {
          LOG.atInfo().addKeyValue("version", table.version()).addKeyValue("cursor", current.cursor())
              .addKeyValue("routes", table.routes().size()).addKeyValue("cause", "config_reload")
              .log("route table applied");
          return (Void) null;
        }).andThen(ar -> done.complete());
      });
      return done.future();
    });
  }

  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> action) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(done));
    return done.future();
  }

  /** Tells the listener; the content hash is kept up to date with the state, so it costs nothing here. */
  private Future<Void> served(ControlPlaneState next, String cause) {
    served = new Served(next, next.contentHash(), published);
    onServed.accept(served, cause);
    return Future.succeededFuture();
  }

  // ---- one batch at a time --------------------------------------------------------------------------------

  /** Runs {@code step} after every step queued before it ({@link StepQueue}). */
  private void enqueue(java.util.function.Supplier<Future<Void>> step) {
    steps.enqueue(step);
  }

  /**
   * Applies {@code batch}; {@code caughtUp} says the feed was read to its end. Before the first table only a
   * caught-up read makes one (ready means served): a read cut by its byte budget, or streamed lines, only move the
   * state on, and the first table then fetches every route's group once.
   */
  private Future<Void> apply(List<CpEvent> batch, boolean caughtUp) {
    if (batch.isEmpty() && published) {
      return Future.succeededFuture();
    }
    return foldBatch(batch).compose(applied -> applyFolded(applied, caughtUp));
  }

  /**
   * {@code batch} folded into the state: on the event loop up to one feed page, on a worker beyond (a first read
   * at 100 000 routes folds batches of 16 MiB, which held the event loop for up to 0.8 s). The step queue runs
   * one step at a time, so the state does not move while a worker folds.
   */
  private Future<ControlPlaneState.Applied> foldBatch(List<CpEvent> batch) {
    ControlPlaneState from = state;
    if (batch.size() <= ControlPlaneClient.PAGE) {
      try {
        return Future.succeededFuture(fold.fold(from, batch));
      } catch (SyncException tooMany) {
        return Future.failedFuture(tooMany);
      }
    }
    return vertx.executeBlocking(() -> fold.fold(from, batch), false);
  }

  private Future<Void> applyFolded(ControlPlaneState.Applied applied, boolean caughtUp) {
    ControlPlaneState next = applied.next();
    if (!published) {
      if (!caughtUp) {
        state = next;
        status.cursor(next.cursor());
        return Future.succeededFuture();
      }
      // An empty feed (a new organisation) makes a first table too: the node becomes ready
      return backends.fetch(next, () -> GroupSets.byGroup(next, next.routes().keySet()), next.routes().keySet())
          .compose(withBackends -> publishIfChanged(withBackends, "events"));
    }
    boolean all = backends.refreshAllNow(applied.refreshAll());
    return backends.fetch(next, () -> GroupSets.byGroup(next, GroupSets.asked(next, applied, all)),
        applied.routesNeedingInstances()).compose(withBackends -> publishIfChanged(withBackends, "events"));
  }

  /** Fetches the routes of the groups whose last fetch failed (those whose backoff has passed). */
  private Future<Void> retryFailingGroups() {
    if (!published) {
      return Future.succeededFuture(); // the first table fetches every group
    }
    return backends.retryFailing(state).compose(next -> publishIfChanged(next, "backends"));
  }

  /** The retry of failing groups for the term in force now: it does nothing once that term has ended. */
  private Runnable groupRetry() {
    long t = term;
    return () -> {
      if (t == term && leading) {
        enqueue(this::retryFailingGroups);
      }
    };
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }

  private Future<Void> publishIfChanged(ControlPlaneState next, String cause) {
    ControlPlaneState served = state;
    Future<Boolean> same = published ? sameContent(next, served) : Future.succeededFuture(false);
    return same.compose(unchanged -> {
      state = next;
      if (!unchanged) {
        return publish(next, cause);
      }
      status.cursor(next.cursor());
      if (next.cursor() != served.cursor()) {
        // Nothing to route differently, but a restart should resume from here
        stateFile.write(next);
        return served(next, cause);
      }
      return Future.succeededFuture();
    });
  }

  /**
   * Whether {@code next} routes as {@code served} does. Equal digests over other maps (a rebuild, a cluster
   * snapshot of the served content) compare every entry: O(routes), so on a worker, while the step queue keeps the
   * state still.
   */
  private Future<Boolean> sameContent(ControlPlaneState next, ControlPlaneState served) {
    return next.sameContentWalks(served) ? vertx.executeBlocking(() -> next.sameContent(served), false)
        : Future.succeededFuture(next.sameContent(served));
  }

  private Future<Void> publish(ControlPlaneState next, String cause) {
    state = next;
    return buildAndSwap(next).compose(table -> {
      // Only now: a cursor reported ahead of the table in force would say events are served that are not yet
      status.cursor(next.cursor());
      metrics.syncTable();
      LOG.atInfo().addKeyValue("version", table.version()).addKeyValue("cursor", next.cursor())
          .addKeyValue("routes", table.routes().size()).addKeyValue("cause", cause).log("route table applied");
      if (!"state_file".equals(cause)) {
        stateFile.write(next);
      }
      if (!published) {
        published = true;
        onFirstTable.run();
        if (leading && settings.stream() && stream == null) {
          // Not before: lines streamed while the feed is still being read could make a first table of a piece
          openStream(term);
        }
      }
      return served(next, cause);
    });
  }

  /**
   * Builds {@code next}'s table and swaps it in on a worker thread, in order: the build, the swap listeners (per
   * route meters, health, selector) and the state's hash grow with the route count, and at 10 000 routes and more
   * they stalled the event loop for longer than a connection may wait.
   */
  private Future<RouteTable> buildAndSwap(ControlPlaneState next) {
    long version = versions.incrementAndGet();
    IngressConfig c = config;
    return vertx.executeBlocking(() -> {
      RouteTable table = tableMaker.make(next, c, version);
      tables.swap(table);
      return table;
    }, true);
  }

  // ---- polling --------------------------------------------------------------------------------------------

  private void schedulePoll(long delayMs, long t) {
    if (steps.stopped() || t != term) {
      return;
    }
    vertx.setTimer(Math.max(1, delayMs), id -> enqueue(() -> pollThenSchedule(t)));
  }

  /** One poll of term {@code t} (none once it ended), then the next one scheduled. */
  private Future<Void> pollThenSchedule(long t) {
    if (t != term) {
      return Future.succeededFuture();
    }
    return poll().transform(ar -> {
      schedulePoll(nextPollDelay(ar.succeeded()), t);
      return Future.succeededFuture();
    });
  }

  private long nextPollDelay(boolean ok) {
    long delay = pollSchedule.next(ok, stream != null);
    if (!ok && leading && stream == null) {
      status.mode(SyncStatus.Mode.BACKOFF);
    }
    return delay;
  }

  /**
   * Reads the events after the cursor minus the heal window ({@link FeedReader#poll}) and applies them as one
   * batch. A feed whose events all lie below the cursor is behind this node: it is replayed from 0 instead of
   * being read past for good.
   */
  private Future<Void> poll() {
    long cursor = state.cursor();
    return feed.poll(cursor).compose(batch -> {
      status.success();
      if (leading && stream == null) {
        status.mode(pollSchedule.failing() ? SyncStatus.Mode.BACKOFF : SyncStatus.Mode.POLLING);
      }
      long head = batch.highestId();
      if (cursor > 0 && batch.complete() && head < cursor) {
        return replayBehindFeed(cursor, head);
      }
      pollSchedule.behind(!batch.complete());
      return apply(batch.events(), batch.complete());
    }).onFailure(err -> onFailure("event feed", err));
  }

  // ---- streaming ------------------------------------------------------------------------------------------

  private void openStream(long t) {
    if (steps.stopped() || t != term) {
      return;
    }
    client.stream(state.cursor(), this::onStreamed, STREAM_SILENCE).onSuccess(s -> {
      if (t != term) {
        s.close(); // followed while it was opening
        return;
      }
      stream = s;
      streamFailures = 0;
      status.mode(SyncStatus.Mode.STREAMING);
      status.success();
      s.ended().onFailure(err -> onStreamEnded(s, err, t));
    }).onFailure(err -> onStreamEnded(null, err, t));
  }

  private void onStreamed(CpEvent event, Runnable settle) {
    if (!leading) {
      settle.run();
      return; // a line that raced a follow()
    }
    streamed.add(event, settle);
  }

  /** Lines that arrived together, applied together ({@link StreamedLines}). */
  private void applyStreamed(List<CpEvent> batch, List<Runnable> settles) {
    status.success();
    // Settled once applied (or failed): until then the lines count against the stream's backlog
    enqueue(() -> apply(batch, false).onFailure(err -> onFailure("event stream", err))
        .andThen(ar -> settles.forEach(Runnable::run)));
  }

  private void onStreamEnded(EventStream s, Throwable err, long t) {
    if ((s != null && stream != s) || t != term) {
      return;
    }
    stream = null;
    if (steps.stopped()) {
      return;
    }
    onFailure("event stream", err);
    status.mode(SyncStatus.Mode.POLLING);
    streamFailures++;
    long delay = PollSchedule.backoff(settings.pollInterval().toMillis(), streamFailures);
    vertx.setTimer(delay, id -> openStream(t));
  }

  // ---- backends and rebuild -------------------------------------------------------------------------------

  /**
   * The next slice of the periodic refresh ({@link BackendRefresh#refreshSlice}): every group is asked once per
   * round, at most {@value GroupSets#MAX_GROUPS_PER_SLICE} a slice, so a round lasts {@code backend_sync_interval}
   * or, with more groups than its slices hold, longer.
   */
  private Future<Void> refreshBackends(int slices) {
    if (state.routes().isEmpty() || !published) {
      return Future.succeededFuture(); // before the first table, the feed's first complete read fetches them all
    }
    return backends.refreshSlice(state, slices).compose(next -> publishIfChanged(next, "backends"));
  }

  /** Replays the whole feed into a fresh state; swaps only if the result differs from what is served. */
  private Future<Void> rebuild() {
    return replayFromZero().compose(rebuilt -> {
      return sameContent(rebuilt, state).compose(same -> {
        if (same) {
          return Future.<Void>succeededFuture();
        }
        LOG.atWarn().addKeyValue("cursor", rebuilt.cursor()).log("full rebuild differs from the served state");
        return publish(rebuilt, "rebuild");
      });
    }).onFailure(err -> onFailure("rebuild", err));
  }

  /** The feed replayed from event 0 with every route's instances fetched. */
  private Future<ControlPlaneState> replayFromZero() {
    return feed.replay(ControlPlaneState.EMPTY, 0)
        .compose(rebuilt -> backends.fetch(rebuilt, () -> GroupSets.byGroup(rebuilt, rebuilt.routes().keySet()),
            Set.of()))
        // A failed fetch keeps that route's previous set (contract §2), in a replay too; a walk of every route
        .compose(fetched -> {
          ControlPlaneState previous = state;
          return vertx.executeBlocking(() -> fetched.withBackendsFrom(previous), false);
        });
  }

  /**
   * The feed ends below this node's cursor (the control plane was restored or replaced, or the state file came
   * from another one): reading on from the cursor would skip every new event until the next rebuild. Said once
   * per detection, counted as {@code cursor_ahead}, and answered by a replay from 0 that is served even when its
   * routes are the same, so the cursor (and the stream, reopened) moves back to the feed's head.
   */
  private Future<Void> replayBehindFeed(long cursor, long head) {
    metrics.syncError(SyncFailure.CURSOR_AHEAD.label());
    status.error(SyncFailure.CURSOR_AHEAD.label() + ": event feed");
    LOG.atWarn().addKeyValue("kind", SyncFailure.CURSOR_AHEAD.label()).addKeyValue("cursor", cursor)
        .addKeyValue("feed_head", head)
        .log("control-plane feed is behind this node's cursor; replaying from event 0");
    return replayFromZero().compose(rebuilt -> publish(rebuilt, "cursor_reset")).andThen(ar -> {
      EventStream open = stream;
      if (open != null) {
        open.close(); // it was opened after the old cursor; it reconnects from the new one
      }
    });
  }

  /** Every failure is counted; its log line is shared with the others of its kind in the interval. */
  private void onFailure(String what, Throwable err) {
    SyncException e = err instanceof SyncException s ? s : ControlPlaneClient.classify(err, null);
    metrics.syncError(e.failure().label());
    status.error(e.failure().label() + ": " + what);
    failureLog.report(what, e);
  }

  /** Also writes the state not yet in the file: a clean stop loses nothing. */
  @Override
  public Future<?> stop() {
    steps.stop();
    standby.stop();
    if (stream != null) {
      stream.close();
    }
    return stateFile.flush().eventually(client::close);
  }
}
