package dev.ghost.ingress.devcp;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Misbehaviour knobs of the dev control plane, for tests of a client that must survive a bad control plane. Every
 * knob is deterministic ("the next N requests", "every Nth request") and can be changed at any time from any
 * thread; {@link #reset()} turns everything off. Pausing lives on {@link DevControlPlane#pause}.
 */
public final class Chaos {

  private volatile Duration latency = Duration.ZERO;
  private final AtomicInteger failNext = new AtomicInteger();
  private volatile int failEvery;
  private volatile int failStatus = 503;
  private final AtomicInteger garbageNext = new AtomicInteger();
  private volatile int garbageEvery;
  private final AtomicLong requests = new AtomicLong();
  private volatile int dropStreamAfter;
  private volatile boolean silentStreams;
  private final AtomicInteger holdNext = new AtomicInteger();
  private final Set<Long> held = ConcurrentHashMap.newKeySet();
  private final AtomicLong instanceRequests = new AtomicLong();
  private final AtomicLong feedRequests = new AtomicLong();
  private volatile Set<String> failingInstanceEnvs = Set.of();
  private volatile Duration instanceLatency = Duration.ZERO;
  private final AtomicInteger failNextFeedPages = new AtomicInteger();

  /** What the chaos layer decided for one request. */
  enum Verdict { PASS, FAIL, GARBAGE }

  /** Delays every response by {@code latency} (ZERO: none). */
  public Chaos latency(Duration latency) {
    this.latency = latency;
    return this;
  }

  /** The next {@code n} requests get a {@link #failStatus} problem with {@code retryable: true}. */
  public Chaos failNext(int n) {
    failNext.set(n);
    return this;
  }

  /** Every {@code n}th request (counted over all requests) fails as {@link #failNext} does; 0: never. */
  public Chaos failEvery(int n) {
    failEvery = n;
    return this;
  }

  /** The status of injected failures: 500 or 503 (default). */
  public Chaos failStatus(int status) {
    if (status != 500 && status != 503) {
      throw new IllegalArgumentException("fail status must be 500 or 503, got " + status);
    }
    failStatus = status;
    return this;
  }

  /** The next {@code n} requests get 200 with a body that is not JSON. */
  public Chaos garbageNext(int n) {
    garbageNext.set(n);
    return this;
  }

  /** Every {@code n}th request gets a garbage body; 0: never. */
  public Chaos garbageEvery(int n) {
    garbageEvery = n;
    return this;
  }

  /** Event streams close the connection abruptly after {@code lines} lines; 0: never. */
  public Chaos dropStreamsAfter(int lines) {
    dropStreamAfter = lines;
    return this;
  }

  /** New event streams answer 200 and then never send a line (the connection stays open). */
  public Chaos silentStreams(boolean silent) {
    silentStreams = silent;
    return this;
  }

  /**
   * The next {@code n} events are committed out of order: they get their ids but stay invisible on the feed and
   * streams until {@link #releaseHeld()}, so a pure cursor reader moves past them.
   */
  public Chaos holdNextEvents(int n) {
    holdNext.set(n);
    return this;
  }

  /** Makes held events visible. */
  public Chaos releaseHeld() {
    held.clear();
    return this;
  }

  /**
   * Every instances request for one of {@code envIds} gets a {@link #failStatus} problem with
   * {@code retryable: true} (counted in {@link #instanceRequests()} all the same); empty: none.
   */
  public Chaos failInstancesOf(Collection<String> envIds) {
    failingInstanceEnvs = Set.copyOf(envIds);
    return this;
  }

  /** Delays every instances answer by {@code latency} (on top of {@link #latency}); ZERO: none. */
  public Chaos instanceLatency(Duration latency) {
    instanceLatency = latency;
    return this;
  }

  /** The next {@code n} event-feed page requests (not streams) fail as {@link #failNext} does. */
  public Chaos failNextFeedPages(int n) {
    failNextFeedPages.set(n);
    return this;
  }

  /** Instances requests received so far (every page, failed ones too); {@link #reset()} does not clear it. */
  public long instanceRequests() {
    return instanceRequests.get();
  }

  /** Event-feed page requests received so far (not streams); {@link #reset()} does not clear it. */
  public long feedRequests() {
    return feedRequests.get();
  }

  /** Turns every knob off (held events become visible). */
  public Chaos reset() {
    latency = Duration.ZERO;
    failNext.set(0);
    failEvery = 0;
    failStatus = 503;
    garbageNext.set(0);
    garbageEvery = 0;
    dropStreamAfter = 0;
    silentStreams = false;
    holdNext.set(0);
    held.clear();
    failingInstanceEnvs = Set.of();
    instanceLatency = Duration.ZERO;
    failNextFeedPages.set(0);
    return this;
  }

  // ---- used by the server

  Duration latency() {
    return latency;
  }

  int failStatus() {
    return failStatus;
  }

  int dropStreamAfter() {
    return dropStreamAfter;
  }

  boolean silentStreams() {
    return silentStreams;
  }

  /** Counts the request and decides its fate; failures win over garbage. */
  Verdict judge() {
    long n = requests.incrementAndGet();
    if (takeOne(failNext) || (failEvery > 0 && n % failEvery == 0)) {
      return Verdict.FAIL;
    }
    if (takeOne(garbageNext) || (garbageEvery > 0 && n % garbageEvery == 0)) {
      return Verdict.GARBAGE;
    }
    return Verdict.PASS;
  }

  /** Counts an instances request of {@code envId}; true when it is to fail. */
  boolean instancesRequest(String envId) {
    instanceRequests.incrementAndGet();
    return failingInstanceEnvs.contains(envId);
  }

  Duration instanceLatency() {
    return instanceLatency;
  }

  /** Counts a feed page request; true when it is to fail. */
  boolean feedRequest() {
    feedRequests.incrementAndGet();
    return takeOne(failNextFeedPages);
  }

  /** Called for each new event: holds it when asked to. */
  void committed(long eventId) {
    if (takeOne(holdNext)) {
      held.add(eventId);
    }
  }

  boolean visible(long eventId) {
    return held.isEmpty() || !held.contains(eventId);
  }

  private static boolean takeOne(AtomicInteger counter) {
    return counter.getAndUpdate(v -> v > 0 ? v - 1 : 0) > 0;
  }
}
