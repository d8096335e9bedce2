package dev.ghost.ingress.sni;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Feeds bytes to {@link ClientHelloParser} the way the ingress does: accumulate each read, re-parse everything.
 * Three ways (whole, split in two, one byte per read), asserting that they agree and that results are monotone:
 * {@code NeedMore} until some prefix, then the same final result for every longer prefix.
 */
final class Feeding {

  /** Garbage written past {@code length}, to prove the parser never reads it. */
  private static final byte DIRT = (byte) 0xA5;
  /** Above this size, split-in-two uses a sample of positions instead of every one. */
  private static final int EVERY_SPLIT_UP_TO = 4096;

  /**
   * @param result    what the whole input gives
   * @param decidedAt the shortest prefix giving {@code result}, or -1 if the result is {@code NeedMore}
   */
  record Outcome(SniResult result, int decidedAt) {}

  private Feeding() {
  }

  static Outcome feedAllWays(byte[] input, int maxBytes) {
    SniResult whole = new Accumulator(maxBytes).read(input, 0, input.length);
    List<SniResult> prefixes = byteByByte(input, maxBytes);
    assertThat(prefixes.get(input.length)).as("byte by byte, final").isEqualTo(whole);
    int decidedAt = assertMonotone(prefixes, whole);
    splitInTwo(input, maxBytes, prefixes);
    return new Outcome(whole, decidedAt);
  }

  /** Result after each prefix length 0..n, one read per byte. */
  private static List<SniResult> byteByByte(byte[] input, int maxBytes) {
    Accumulator acc = new Accumulator(maxBytes);
    List<SniResult> results = new ArrayList<>();
    results.add(acc.parse());
    for (int i = 0; i < input.length; i++) {
      results.add(acc.read(input, i, 1));
    }
    return results;
  }

  private static int assertMonotone(List<SniResult> prefixes, SniResult whole) {
    assertThat(prefixes.get(0)).as("no bytes").isEqualTo(new SniResult.NeedMore(false));
    int decidedAt = -1;
    for (int p = 1; p < prefixes.size(); p++) {
      SniResult r = prefixes.get(p);
      if (decidedAt < 0 && !(r instanceof SniResult.NeedMore)) {
        decidedAt = p;
      }
      if (decidedAt < 0) {
        assertThat(r).as("prefix %d", p).isEqualTo(new SniResult.NeedMore(true));
      } else {
        assertThat(r).as("prefix %d (decided at %d)", p, decidedAt).isEqualTo(whole);
      }
    }
    return decidedAt;
  }

  /** Two reads: every split position for small inputs, a sample plus record boundaries for large ones. */
  private static void splitInTwo(byte[] input, int maxBytes, List<SniResult> prefixes) {
    for (int k : splitPositions(input)) {
      Accumulator acc = new Accumulator(maxBytes);
      assertThat(acc.read(input, 0, k)).as("split at %d, first read", k).isEqualTo(prefixes.get(k));
      assertThat(acc.read(input, k, input.length - k)).as("split at %d, second read", k)
          .isEqualTo(prefixes.get(input.length));
    }
  }

  private static TreeSet<Integer> splitPositions(byte[] input) {
    TreeSet<Integer> positions = new TreeSet<>();
    int n = input.length;
    int step = n <= EVERY_SPLIT_UP_TO ? 1 : 61;
    for (int k = 1; k < n; k += step) {
      positions.add(k);
    }
    for (int k : new int[] {1, 2, 5, 9, n - 1}) {
      positions.add(k);
    }
    addRecordBoundaries(input, positions);
    positions.removeIf(k -> k < 1 || k >= n);
    return positions;
  }

  /** Around every record header the walk can find (stops at anything that does not look like a header). */
  private static void addRecordBoundaries(byte[] input, TreeSet<Integer> positions) {
    int pos = 0;
    while (pos + 5 <= input.length) {
      for (int d = -1; d <= 6; d++) {
        positions.add(pos + d);
      }
      pos += 5 + ((input[pos + 3] & 0xff) << 8 | (input[pos + 4] & 0xff));
    }
  }

  /** The caller's buffer: grows by reads, dirty past {@code length}. */
  static final class Accumulator {

    private final int maxBytes;
    private byte[] buf = dirty(16);
    private int length;

    Accumulator(int maxBytes) {
      this.maxBytes = maxBytes;
    }

    SniResult read(byte[] src, int offset, int count) {
      if (length + count > buf.length) {
        byte[] bigger = dirty(Math.max(buf.length * 2, length + count + 16));
        System.arraycopy(buf, 0, bigger, 0, length);
        buf = bigger;
      }
      System.arraycopy(src, offset, buf, length, count);
      length += count;
      return parse();
    }

    SniResult parse() {
      return ClientHelloParser.parse(buf, length, maxBytes);
    }

    private static byte[] dirty(int size) {
      byte[] b = new byte[size];
      Arrays.fill(b, DIRT);
      return b;
    }
  }
}
