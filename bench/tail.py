#!/usr/bin/env python3
"""Tail attribution for bench/tail.sh: lines the slowest connections up against the JVM's pauses.

    tail.py JVM_LOG TRACE [TRACE ...]

JVM_LOG: the ingress's -Xlog:gc,safepoint output decorated with `timenanos` (CLOCK_MONOTONIC, the clock of
connrate --trace). TRACE: connrate --trace files ("T0_NS ANSWER_NS" per checked connection), one per round.
Prints, per round and over all rounds: connections, p50/p99/p99.9, the safepoints whose pause fell inside the
round (count, by cause, and per 100 000 connections), and the share of connections above p99 whose
connect->answer interval overlaps a pause, beside that share for all connections (what chance alone gives), and
the quantiles once each connection's time inside pauses is taken off (a lower bound of what the pauses add: the
backlog a pause leaves behind is not taken off).
"""
import bisect
import re
import sys
from collections import Counter

SAFEPOINT = re.compile(r'^(?:\[\w+\])*?\[(\d+)ns\].*Safepoint "([^"]+)".*Total: (\d+) ns')


def read_pauses(path):
    """(start_ns, end_ns, cause) per safepoint: the log line is written at its end; Total covers the reaching."""
    pauses = []
    for line in open(path, errors='replace'):
        m = SAFEPOINT.match(line)
        if m:
            end, total = int(m.group(1)), int(m.group(3))
            pauses.append((end - total, end, m.group(2)))
    pauses.sort()
    return pauses


def read_trace(path):
    return [tuple(map(int, l.split())) for l in open(path) if l.strip()]


def quantile(sorted_xs, q):
    return sorted_xs[min(len(sorted_xs) - 1, max(0, int(q * len(sorted_xs) + 0.999999) - 1))]


def paused_ns(pauses, starts, t0, t1):
    """How much of [t0, t1] the pauses cover; pauses are short, sorted by start and do not overlap each other."""
    i = bisect.bisect_right(starts, t1)
    return sum(max(0, min(e, t1) - max(s, t0)) for s, e, _ in pauses[max(0, i - 64):i])


def report(name, conns, pauses):
    if not conns:
        return
    lat = sorted((a - t) / 1000 for t, a in conns)
    p50, p99, p999 = (quantile(lat, q) for q in (0.5, 0.99, 0.999))
    lo, hi = min(t for t, _ in conns), max(a for _, a in conns)
    inside = [p for p in pauses if p[1] >= lo and p[0] <= hi]
    starts = [p[0] for p in inside]
    slow = [(t, a) for t, a in conns if (a - t) / 1000 > p99]
    paused = [paused_ns(inside, starts, t, a) for t, a in conns]
    hit_all = sum(p > 0 for p in paused)
    hit_slow = sum(paused_ns(inside, starts, t, a) > 0 for t, a in slow)
    # a lower bound of what the pauses add: each connection less the pause time inside it (not the backlog after)
    lat_less = sorted((a - t - p) / 1000 for (t, a), p in zip(conns, paused))
    q50, q99, q999 = (quantile(lat_less, q) for q in (0.5, 0.99, 0.999))
    per100k = 100000 / len(conns)
    causes = Counter(c for _, _, c in inside)
    ms = {c: sum(e - s for s, e, k in inside if k == c) / 1e6 for c in causes}
    worst = {c: max(e - s for s, e, k in inside if k == c) / 1e6 for c in causes}
    print(f"{name}: {len(conns)} connections in {(hi - lo) / 1e9:.1f} s ({len(conns) / ((hi - lo) / 1e9):.0f}/s); "
          f"connect->answer p50 {p50:.0f} us, p99 {p99:.0f} us, p99.9 {p999:.0f} us")
    for c in sorted(causes, key=lambda c: -ms[c]):
        print(f"  safepoint {c}: {causes[c]} ({causes[c] * per100k:.1f} per 100k connections), "
              f"{ms[c]:.1f} ms in all ({ms[c] * per100k:.1f} ms per 100k), longest {worst[c]:.2f} ms")
    print(f"  above p99: {len(slow)} connections, {hit_slow} overlap a pause ({100 * hit_slow / max(1, len(slow)):.1f} %);"
          f" all connections: {100 * hit_all / len(conns):.1f} % overlap a pause")
    print(f"  less the pause time inside each connection: p50 {q50:.0f} us, p99 {q99:.0f} us, p99.9 {q999:.0f} us")
    print(f"  tailstats pauses_per_100k={len(inside) * per100k:.1f} pause_ms_per_100k="
          f"{sum(e - s for s, e, _ in inside) / 1e6 * per100k:.1f} slow_overlap={hit_slow / max(1, len(slow)):.3f} "
          f"all_overlap={hit_all / len(conns):.3f} p50_us={p50:.0f} p99_us={p99:.0f} p999_us={p999:.0f} "
          f"p99_less_pauses_us={q99:.0f} p999_less_pauses_us={q999:.0f}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    pauses = read_pauses(sys.argv[1])
    everything = []
    for path in sys.argv[2:]:
        conns = read_trace(path)
        everything += conns
        report(path, conns, pauses)
    if len(sys.argv) > 3:
        report("all rounds", everything, pauses)


if __name__ == '__main__':
    main()
