package dev.ghost.ingress.cluster;

import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The routing log's entries in {@value FleetCoordinator#ROUTING_MAP}, sealed and verified: the head
 * ({@value #HEAD_KEY}, {@link FleetHead}), the deltas ({@code delta:<seq>}, {@link FleetDelta}, channel
 * {@link TrustChannel#DELTA}) and the base snapshot ({@value FleetCoordinator#SNAPSHOT_KEY}, {@link FleetSnapshot}).
 * A value that does not verify, does not decode or is larger than this version ever writes reads as absent; its
 * refusal is counted and logged once per key and value, however often it is re-read.
 *
 * <p>Reads of the head are asynchronous; everything whose cost grows with a value's size (the base, a delta that
 * may be forged large) and the compare-and-sets (IMap has no asynchronous ones) run on worker threads. Futures
 * complete on the coordinator's context.
 */
final class FleetLog {

  /** Key of the head record. */
  static final String HEAD_KEY = "head";
  /** Key prefix of a delta; the sequence follows. */
  static final String DELTA_PREFIX = "delta:";
  /** Largest head value read: a head is a few hundred bytes. */
  static final int MAX_HEAD_CHARS = 4 * 1024;
  /** Largest delta written and read; a larger change is published as a new base snapshot instead. */
  static final int MAX_DELTA_CHARS = 1 << 20;
  /** A delta not removed by compaction (a leader died first) expires after this long. */
  static final long DELTA_TTL_SECONDS = 3_600;
  private static final int MAX_REMEMBERED_REFUSALS = 1024;
  /**
   * Most deltas read in one call: a node far behind reads its deltas batch after batch, so at most this many
   * values (each at most {@link #MAX_DELTA_CHARS}) are held at once.
   */
  static final int DELTA_BATCH = 64;

  /** A value as stored ({@code raw}, for a compare-and-set) and what it verified to (null: absent or refused). */
  record Read<T>(String raw, T value) {}

  private final IMap<String, String> routing;
  private final IMap<String, String> fleet;
  private final ClusterTrust trust;
  private final String nodeId;
  private final Context context;
  /** Refused values by key: each counted once (read from worker threads). */
  private final Map<String, String> refused = new ConcurrentHashMap<>();

  /**
   * @param routing the routing log's map ({@value FleetCoordinator#ROUTING_MAP})
   * @param fleet   the nodes' fleet entries ({@value FleetCoordinator#FLEET_MAP}), read for compaction only
   */
  FleetLog(IMap<String, String> routing, IMap<String, String> fleet, ClusterTrust trust, String nodeId,
      Context context) {
    this.routing = routing;
    this.fleet = fleet;
    this.trust = trust;
    this.nodeId = nodeId;
    this.context = context;
  }

  static String deltaKey(long seq) {
    return DELTA_PREFIX + seq;
  }

  /** The sequence of a delta key; -1 for any other key. */
  static long deltaSeq(String key) {
    if (key == null || !key.startsWith(DELTA_PREFIX)) {
      return -1;
    }
    try {
      return Long.parseLong(key.substring(DELTA_PREFIX.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  Future<Read<FleetHead>> head() {
    return Future.fromCompletionStage(routing.getAsync(HEAD_KEY), context).map(raw -> new Read<>(raw,
        open(TrustChannel.SNAPSHOT, HEAD_KEY, raw, MAX_HEAD_CHARS, FleetHead::decode)));
  }

  /**
   * The verified deltas {@code from..to} in order, each null when absent, refused or not the delta of its sequence:
   * one Hazelcast call for them all (IMap has no asynchronous {@code getAll}, so it runs on a worker thread, where
   * the values are verified and decoded too). Callers read at most {@link #DELTA_BATCH} at a time.
   */
  Future<List<FleetDelta>> deltas(long from, long to) {
    Set<String> keys = new LinkedHashSet<>();
    for (long s = from; s <= to; s++) {
      keys.add(deltaKey(s));
    }
    return context.owner().executeBlocking(() -> {
      Map<String, String> raw = routing.getAll(keys);
      List<FleetDelta> out = new ArrayList<>(keys.size());
      for (long s = from; s <= to; s++) {
        String key = deltaKey(s);
        FleetDelta d = open(TrustChannel.DELTA, key, raw.get(key), MAX_DELTA_CHARS, FleetDelta::decode);
        out.add(d != null && d.seq() == s ? d : null);
      }
      return out;
    }, false);
  }

  /**
   * The fleet entries that verify (a few hundred bytes per node; on a worker thread). Refusals are not counted
   * here: the coordinator's {@code /v1/fleet} reading counts them.
   */
  Future<List<FleetEntry>> fleetEntries() {
    return context.owner().executeBlocking(() -> {
      List<FleetEntry> out = new ArrayList<>();
      for (Map.Entry<String, String> e : fleet.entrySet()) {
        ClusterTrust.Opened opened = trust.unseal(TrustChannel.FLEET_ENTRY, e.getKey(), e.getValue());
        if (opened.refusal() == null) {
          try {
            out.add(FleetEntry.decode(opened.body()));
          } catch (RuntimeException malformed) {
            // signed, but not what this version reads: not a follower it can judge
          }
        }
      }
      return out;
    }, false);
  }

  /**
   * The base snapshot (read, verified and decoded on a worker thread: tens of MB at 100 000 routes; its body is
   * unescaped straight into UTF-8 bytes and decoded from them, {@link BaseEnvelope}).
   */
  Future<Read<FleetSnapshot>> base() {
    return context.owner().executeBlocking(() -> {
      String raw = routing.get(FleetCoordinator.SNAPSHOT_KEY);
      return new Read<>(raw, openLarge(TrustChannel.SNAPSHOT, FleetCoordinator.SNAPSHOT_KEY, raw,
          FleetSnapshot::decodeUtf8));
    }, false);
  }

  /** Writes a sealed delta unless its key is taken (another leader's delta, or a forged one): then false. */
  Future<Boolean> putDelta(String sealed, long seq) {
    return context.owner().executeBlocking(() -> routing.putIfAbsent(deltaKey(seq), sealed, DELTA_TTL_SECONDS,
        TimeUnit.SECONDS) == null, false);
  }

  /** {@code d} sealed, on the calling thread (a worker: it is where the diff was computed). */
  String seal(FleetDelta d) {
    return trust.seal(TrustChannel.DELTA, deltaKey(d.seq()), nodeId, d.encode());
  }

  /**
   * Compare-and-set of the head against the raw value read before ({@code expected} null: only if still absent);
   * the value written, or null when the head had changed.
   */
  Future<String> replaceHead(String expected, FleetHead next) {
    String sealed = trust.seal(TrustChannel.SNAPSHOT, HEAD_KEY, nodeId, next.encode());
    return context.owner().executeBlocking(() -> cas(HEAD_KEY, expected, sealed) ? sealed : null, false);
  }

  /**
   * Compare-and-set of the base snapshot, its state in {@code form}; encoding and sealing it run on the worker
   * thread too, the state as UTF-8 bytes from the encoder to the envelope ({@link BaseEnvelope}). The sealed
   * value's length, or -1 when the base had changed.
   */
  Future<Long> replaceBase(String expected, FleetSnapshot next, FleetSnapshot.Form form) {
    return context.owner().executeBlocking(() -> {
      String sealed = BaseEnvelope.seal(trust, TrustChannel.SNAPSHOT, FleetCoordinator.SNAPSHOT_KEY, nodeId,
          next.encodeUtf8(form));
      return cas(FleetCoordinator.SNAPSHOT_KEY, expected, sealed) ? (long) sealed.length() : -1L;
    }, false);
  }

  private boolean cas(String key, String expected, String sealed) {
    return expected == null ? routing.putIfAbsent(key, sealed) == null : routing.replace(key, expected, sealed);
  }

  /**
   * Removes deltas {@code from..to} (compaction), {@value #DELTA_BATCH} removals in flight at a time: with
   * compaction by size a base replaces tens of thousands of deltas at 100 000 routes, too many to issue from the
   * event loop at once. Never fails: a removal that fails is harmless (the delta expires).
   */
  Future<Void> drop(long from, long to) {
    long first = Math.max(1, from);
    if (first > to) {
      return Future.succeededFuture();
    }
    long last = Math.min(to, first + DELTA_BATCH - 1);
    List<Future<String>> removals = new ArrayList<>();
    for (long s = first; s <= last; s++) {
      removals.add(Future.fromCompletionStage(routing.removeAsync(deltaKey(s)), context));
    }
    return Future.join(removals).transform(ar -> drop(last + 1, to));
  }

  /** How a value is unsealed: its body (of type {@code B}) when it verifies, else why not. */
  private interface Unsealer<B> {
    Unsealed<B> unseal(String key, String raw);
  }

  /** A value unsealed: the body when it verifies (null when refused), the refusal, the sender it claims. */
  private record Unsealed<B>(B body, TrustRefusal refusal, String from) {}

  /** The verified, decoded body of {@code raw}; null when absent or refused (a refusal counted once per value). */
  private <T> T open(TrustChannel channel, String key, String raw, int maxChars, Function<String, T> decode) {
    return open(channel, key, raw, maxChars, (k, v) -> {
      ClusterTrust.Opened o = trust.unseal(channel, k, v);
      return new Unsealed<>(o.body(), o.refusal(), o.from());
    }, decode);
  }

  /** A large value's verified, decoded body, its body kept as UTF-8 bytes ({@link BaseEnvelope}). */
  private <T> T openLarge(TrustChannel channel, String key, String raw, Function<Utf8Text, T> decode) {
    return open(channel, key, raw, Integer.MAX_VALUE, (k, v) -> {
      BaseEnvelope.Opened o = BaseEnvelope.open(trust, channel, k, v);
      return new Unsealed<>(o.body(), o.refusal(), o.from());
    }, decode);
  }

  private <B, T> T open(TrustChannel channel, String key, String raw, int maxChars, Unsealer<B> unsealer,
      Function<B, T> decode) {
    if (raw == null) {
      return null;
    }
    TrustRefusal refusal;
    String from;
    if (raw.length() > maxChars) {
      refusal = TrustRefusal.OVERSIZED;
      from = null;
    } else {
      Unsealed<B> opened = unsealer.unseal(key, raw);
      if (opened.refusal() == null) {
        try {
          return decode.apply(opened.body());
        } catch (RuntimeException e) {
          refusal = TrustRefusal.MALFORMED; // signed by a secret holder, but not what this version writes
        }
      } else {
        refusal = opened.refusal();
      }
      from = opened.from();
    }
    if (!raw.equals(refused.put(key, raw))) {
      trust.refused(channel, refusal, from);
    }
    if (refused.size() > MAX_REMEMBERED_REFUSALS) {
      refused.clear(); // a stranger inventing keys: forget, at worst some are counted twice
    }
    return null;
  }
}
