package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A bench main (not a test): what the journal costs at N routes. Writes a base of N routes (as
 * {@link ScaleStateFile}), then route changes (a backend port patched and the route's backend set replaced, as the
 * scale bench changes routes) through {@link StateJournalWriter} until the journal is about to pass its bound, and
 * reports the write time and bytes per change, then the time to read the base alone and the base with its journal
 * (best of three each, after one warm-up read).
 * {@code java -XX:+UseSerialGC -cp target/ingress.jar:target/test-classes dev.ghost.ingress.sync.JournalReadBench DIR
 * [N] [CHANGES]} (CHANGES: stop earlier); {@code ... DIR --cold-read} times one read of what is there, in a fresh
 * JVM as a node's start does it.
 */
public final class JournalReadBench {

  private JournalReadBench() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]).resolve("bench-state.json");
    if (args.length > 1 && args[1].equals("--cold-read")) {
      coldRead(file);
      return;
    }
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int maxChanges = args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE;
    ControlPlaneState state = ScaleStateFile.state(n, 9443);
    long[] bases = new long[1];
    long[] journal = new long[2];
    StateJournalWriter writer = new StateJournalWriter(file, (part, bytes) -> {
      if (part == StateFilePart.BASE) {
        bases[0]++;
      } else {
        journal[0]++;
        journal[1] += bytes;
      }
    });
    long t0 = System.nanoTime();
    writer.write(state);
    System.out.printf("base: %d bytes, %.0f ms%n", Files.size(file), (System.nanoTime() - t0) / 1e6);
    long eventId = n + 10;
    long writeNanos = 0;
    int changes = 0;
    long limit = (long) (Files.size(file) * StateJournalWriter.JOURNAL_SHARE);
    while (changes < maxChanges && Files.size(StateJournal.of(file)) + 3_000 < limit
        && changes < StateJournalWriter.MAX_RECORDS) {
      String id = String.format("rt_%08d", (int) ((long) changes * 7919 % n));
      int port = 10_000 + changes % 50_000;
      state = state.apply(List.of(new CpEvent.RouteUpdated(++eventId, id,
          new RoutePatch(null, port, null, null, null, null)))).next()
          .withBackends(id, List.of(new Backend("::ffff:127.0.0.2", port), new Backend("::ffff:127.0.0.3", port)));
      long w0 = System.nanoTime();
      writer.write(state);
      writeNanos += System.nanoTime() - w0;
      changes++;
    }
    System.out.printf("changes: %d, records %d, bases %d, journal %d bytes (%.0f B per change), write %.2f ms "
        + "per change (fsync included)%n", changes, journal[0], bases[0] - 1, Files.size(StateJournal.of(file)),
        journal[1] / (double) Math.max(1, journal[0]), writeNanos / 1e6 / Math.max(1, changes));
    StateFile.readBase(file);
    StateFile.read(file);
    double base = Double.MAX_VALUE;
    double whole = Double.MAX_VALUE;
    StateFile.Loaded.Ok ok = null;
    for (int i = 0; i < 3; i++) {
      long r0 = System.nanoTime();
      StateFile.readBase(file);
      long r1 = System.nanoTime();
      ok = (StateFile.Loaded.Ok) StateFile.read(file);
      long r2 = System.nanoTime();
      base = Math.min(base, (r1 - r0) / 1e6);
      whole = Math.min(whole, (r2 - r1) / 1e6);
    }
    System.out.printf("read: base alone %.0f ms, base + journal %.0f ms (%s, %d records); same state: %s%n",
        base, whole, ok.journal().outcome().label(), ok.journal().records(),
        ok.state().contentHash().equals(state.contentHash()) && ok.state().cursor() == state.cursor());
  }

  /** One read in a fresh JVM, as a node's start does it: the base, then the journal's replay, each timed. */
  private static void coldRead(Path file) {
    long r0 = System.nanoTime();
    StateFile.Loaded.Ok base = (StateFile.Loaded.Ok) StateFile.readBase(file);
    long r1 = System.nanoTime();
    StateFile.Loaded.Ok ok = StateJournal.replay(file, base);
    long r2 = System.nanoTime();
    System.out.printf("cold read: base %.0f ms, replay %.0f ms (%s, %d records)%n", (r1 - r0) / 1e6,
        (r2 - r1) / 1e6, ok.journal().outcome().label(), ok.journal().records());
  }
}
