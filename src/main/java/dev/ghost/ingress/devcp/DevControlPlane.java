package dev.ghost.ingress.devcp;

import dev.ghost.ingress.devcp.PayloadEncoder.Encoding;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real HTTP server that speaks the control-plane contract ({@code control-plane-contract.md}) from a
 * human-editable TOML state file, for local runs, demos and the ingress' sync tests. Editing the file emits the
 * events a live control plane would; the event log is persisted next to the file ({@code FILE.events.jsonl}) so ids
 * and history survive restarts.
 *
 * <pre>{@code
 * DevControlPlane cp = DevControlPlane.start(vertx, new DevControlPlane.Options().stateFile(path)).await();
 * cp.edit(s -> s.withoutRoute("rt_1"));          // or write the file and cp.awaitEventAfter(id)
 * cp.chaos().failNext(3);                          // misbehave
 * cp.close().await();
 * }</pre>
 *
 * <p>Threading: the HTTP side runs on one event loop ({@link DevApi}); the file is read and the log written on
 * worker threads, or on the caller's thread for {@link #edit}; the two meet in immutable snapshots.
 */
public final class DevControlPlane {

  private static final Logger LOG = LoggerFactory.getLogger(DevControlPlane.class);

  /** Settings of one dev control plane. Fluent; {@link #stateFile} is required. */
  public static final class Options {
    private Path stateFile;
    private String host = "127.0.0.1";
    private int port;
    private String token;
    private String org;
    private Duration scan = Duration.ofMillis(250);
    private Encoding encoding = Encoding.PROTOBUF_JSON;
    private Chaos chaos = new Chaos();
    private Clock clock = Clock.systemUTC();

    /** The TOML state file (required); the event log goes to {@code FILE.events.jsonl}. */
    public Options stateFile(Path stateFile) {
      this.stateFile = stateFile;
      return this;
    }

    /** Listen address; default {@code 127.0.0.1}. */
    public Options host(String host) {
      this.host = host;
      return this;
    }

    /** Listen port; default 0 (ephemeral, see {@link DevControlPlane#port()}). */
    public Options port(int port) {
      this.port = port;
      return this;
    }

    /** The listen host. */
    public String host() {
      return host;
    }

    /** The listen port (0: ephemeral). */
    public int port() {
      return port;
    }

    /** The state file, or null when not set. */
    public Path stateFile() {
      return stateFile;
    }

    /** The token given on the command line, or null (then the file's). */
    public String token() {
      return token;
    }

    /** The organisation given on the command line, or null (then the file's). */
    public String org() {
      return org;
    }

    /** Bearer token; overrides the file's {@code token}. */
    public Options token(String token) {
      this.token = token;
      return this;
    }

    /** Organisation id; overrides the file's {@code org}. */
    public Options org(String org) {
      this.org = org;
      return this;
    }

    /** How often the state file is read; default 250ms. */
    public Options scan(Duration scan) {
      this.scan = scan;
      return this;
    }

    /** Payload encoding at start; default protobuf-JSON. */
    public Options encoding(Encoding encoding) {
      this.encoding = encoding;
      return this;
    }

    /** Chaos knobs, e.g. set up before start from CLI flags. */
    public Options chaos(Chaos chaos) {
      this.chaos = chaos;
      return this;
    }

    /** Clock for {@code occurred_at}; default UTC system clock. */
    public Options clock(Clock clock) {
      this.clock = clock;
      return this;
    }
  }

  /** How {@link #pause} misbehaves. */
  public enum PauseMode {
    /** Connections are accepted; requests get no answer until {@link #resume()} (open streams go quiet). */
    HANG,
    /** The listening socket is closed: connections are refused until {@link #resume()} rebinds the same port. */
    REFUSE
  }

  private final Vertx vertx;
  private final Options options;
  private final Path file;
  private final EventLog log;
  private final ReentrantLock editLock = new ReentrantLock();
  private final AtomicBoolean scanning = new AtomicBoolean();
  private final AtomicLong scans = new AtomicLong();
  // guarded by editLock
  private byte[] lastRead;
  private byte[] lastApplied;
  private boolean missingLogged;
  private volatile DevState state;
  private volatile Encoding encoding;
  private volatile DevApi api;
  private volatile String deploymentId;

  private DevControlPlane(Vertx vertx, Options options, EventLog log) {
    this.vertx = vertx;
    this.options = options;
    this.file = options.stateFile;
    this.log = log;
    this.encoding = options.encoding;
    log.onCommit(options.chaos::committed);
  }

  /**
   * Reads the state file, replays the event log, emits the events between the two (on first start: the whole file
   * as creations), then listens. Fails with a {@link DevStateException} on an unreadable or invalid file.
   */
  public static Future<DevControlPlane> start(Vertx vertx, Options options) {
    Objects.requireNonNull(options.stateFile, "stateFile");
    return vertx.<DevControlPlane>executeBlocking(() -> {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(options.stateFile);
      } catch (IOException e) {
        throw new DevStateException(options.stateFile + ": cannot read: " + e.getMessage());
      }
      EventLog log = EventLog.open(eventsFile(options.stateFile), options.clock);
      DevControlPlane cp = new DevControlPlane(vertx, options, log);
      cp.editLock.lock();
      try {
        cp.lastRead = bytes;
        cp.lastApplied = bytes;
        cp.apply(cp.effective(DevStateFile.parse(new String(bytes, StandardCharsets.UTF_8),
            options.stateFile.toString())));
      } finally {
        cp.editLock.unlock();
      }
      return cp;
    }).compose(cp -> {
      DevApi verticle = new DevApi(cp, options.host, options.port, options.scan);
      return vertx.deployVerticle(verticle).map(id -> {
        cp.api = verticle;
        cp.deploymentId = id;
        LOG.atInfo().addKeyValue("host", options.host).addKeyValue("port", verticle.port())
            .addKeyValue("state", options.stateFile.toString()).addKeyValue("last_event_id", cp.lastEventId())
            .log("dev control plane listening");
        return cp;
      });
    });
  }

  /** {@code FILE.events.jsonl} next to the state file. */
  public static Path eventsFile(Path stateFile) {
    return stateFile.resolveSibling(stateFile.getFileName() + ".events.jsonl");
  }

  // ---- handle

  /** The port actually bound. */
  public int port() {
    return api.port();
  }

  /** Stops listening and scanning. */
  public Future<Void> close() {
    String id = deploymentId;
    return id == null ? Future.succeededFuture() : vertx.undeploy(id);
  }

  /** The state currently served (org and token as in effect). */
  public DevState state() {
    return state;
  }

  /** Every event so far, held ones included, ascending ids. */
  public List<DevEvent> events() {
    return log.snapshot().events();
  }

  /** The last event id, 0 when none. */
  public long lastEventId() {
    return log.snapshot().lastEventId();
  }

  /** Waits (up to 10 s, polling) until an event with id {@code > eventId} exists, returns the last id; blocking. */
  public long awaitEventAfter(long eventId) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (lastEventId() <= eventId) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("no event after " + eventId + " within 10s (last " + lastEventId() + ")");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    return lastEventId();
  }

  /**
   * Changes the state at once: writes the file (without its comments) and emits the events; blocking, so call it
   * from a test thread, not an event loop. Returns the events emitted.
   */
  public List<DevEvent> edit(UnaryOperator<DevState> change) {
    editLock.lock();
    try {
      DevState next = change.apply(state);
      byte[] bytes = DevStateFile.format(next).getBytes(StandardCharsets.UTF_8);
      Files.write(file, bytes);
      lastRead = bytes;
      lastApplied = bytes;
      return apply(effective(next));
    } catch (IOException | DevStateException e) {
      throw new IllegalStateException("edit failed: " + e.getMessage(), e);
    } finally {
      editLock.unlock();
    }
  }

  /** The chaos knobs. */
  public Chaos chaos() {
    return options.chaos;
  }

  /** Switches the payload encoding of responses from now on. */
  public DevControlPlane encoding(Encoding encoding) {
    this.encoding = encoding;
    return this;
  }

  /** The payload encoding in effect. */
  public Encoding encoding() {
    return encoding;
  }

  /** Stops answering (see {@link PauseMode}). */
  public Future<Void> pause(PauseMode mode) {
    return api.pause(mode);
  }

  /** Answers again: held requests proceed, a refused port is bound again. */
  public Future<Void> resume() {
    return api.resume();
  }

  /** Event streams open right now. */
  public int openStreams() {
    return api.openStreams();
  }

  /** How many scans of the state file have completed (tests wait for a change to be seen). */
  public long scans() {
    return scans.get();
  }

  // ---- internals shared with DevApi

  EventLog log() {
    return log;
  }

  /** The bearer token in effect (option over file). */
  String token() {
    return state.token();
  }

  /** The organisation in effect (option over file). */
  String org() {
    return state.org();
  }

  /** One scan of the state file, on a worker: applies a change once two consecutive reads agree. */
  void scanOnce() {
    if (!scanning.compareAndSet(false, true)) {
      return;
    }
    editLock.lock();
    try {
      byte[] now;
      try {
        now = Files.readAllBytes(file);
        missingLogged = false;
      } catch (IOException e) {
        if (!missingLogged) {
          LOG.atWarn().addKeyValue("file", file.toString()).addKeyValue("cause", String.valueOf(e.getMessage()))
              .log("state file unreadable; previous state kept");
          missingLogged = true;
        }
        return;
      }
      if (!Arrays.equals(now, lastRead)) {
        lastRead = now;
        return;
      }
      if (Arrays.equals(now, lastApplied)) {
        return;
      }
      lastApplied = now;
      DevState next;
      try {
        next = effective(DevStateFile.parse(new String(now, StandardCharsets.UTF_8), file.toString()));
      } catch (DevStateException e) {
        LOG.atWarn().addKeyValue("cause", e.getMessage()).log("state file change ignored; previous state kept");
        return;
      }
      List<DevEvent> emitted = apply(next);
      LOG.atInfo().addKeyValue("events", emitted.size()).addKeyValue("last_event_id", lastEventId())
          .log("state file change applied");
    } catch (IOException e) {
      LOG.atError().setCause(e).log("event log write failed");
    } finally {
      editLock.unlock();
      scans.incrementAndGet();
      scanning.set(false);
    }
  }

  /** Org and token from the options win over the file's; both must be known. */
  private DevState effective(DevState s) throws DevStateException {
    String org = options.org != null ? options.org : s.org();
    String token = options.token != null ? options.token : s.token();
    if (org == null || org.isEmpty()) {
      throw new DevStateException(file + ": org: required (in the file or --org)");
    }
    if (token == null || token.isEmpty()) {
      throw new DevStateException(file + ": token: required (in the file or --token)");
    }
    return new DevState(org, token, s.envs(), s.routes(), s.instances());
  }

  /** Emits the events from what the log says to {@code next}; caller holds editLock. */
  private List<DevEvent> apply(DevState next) throws IOException {
    DevState before = log.snapshot().projection().toState(next.org(), next.token());
    List<DevEvent> emitted = log.append(StateDiff.diff(before, next));
    state = next;
    return emitted;
  }
}
