#!/usr/bin/env python3
"""Tail attribution for bench/tail.sh: lines the slowest connections up against the JVM's pauses.

    tail.py JVM_LOG TRACE [TRACE ...]

JVM_LOG: the ingress's -Xlog:gc,safepoint,trimnative=debug,jit+compilation=debug output decorated with `timenanos`
(CLOCK_MONOTONIC, the clock of connrate --trace). TRACE: connrate --trace files ("T0_NS ANSWER_NS" per checked connection), one per round.
Prints, per round and over all rounds: connections, p50/p99/p99.9, the safepoints whose pause fell inside the
round (count, by cause, and per 100 000 connections), and the share of connections above p99 whose
connect->answer interval overlaps a pause, beside that share for all connections (what chance alone gives), and
the quantiles once each connection's time inside pauses is taken off (a lower bound of what the pauses add: the
backlog a pause leaves behind is not taken off). Native heap trims (not safepoints, but CPU taken from the loop's one
core) get the same overlap shares; JIT compilations started in the round are counted.
"""
import bisect
import re
import sys
from collections import Counter

SAFEPOINT = re.compile(r'^(?:\[\w+\])*?\[(\d+)ns\].*Safepoint "([^"]+)".*Total: (\d+) ns')
# -Xlog:trimnative=debug: TrimNativeHeapInterval's malloc_trim, its own thread (on the proxy's one core when pinned)
TRIM = re.compile(r'^(?:\[\w+\])*?\[(\d+)ns\] Periodic Trim.* ([\d.]+)ms$')
# -Xlog:jit+compilation=debug: one line per compilation started (id, flags, tier, method)
COMPILE = re.compile(r'^(?:\[\w+\])*?\[(\d+)ns\]\s+\d+\s+[%sbn!]*\s*(\d)\s+\S+::')


def read_events(path):
    """Safepoints and native trims as (start_ns, end_ns, cause), each logged at its end; compilations as (ns, tier)."""
    pauses, trims, compiles = [], [], []
    for line in open(path, errors='replace'):
        line = line.rstrip('\n')
        if m := SAFEPOINT.match(line):
            end, total = int(m.group(1)), int(m.group(3))
            pauses.append((end - total, end, m.group(2)))
        elif m := TRIM.match(line):
            end = int(m.group(1))
            trims.append((end - int(float(m.group(2)) * 1e6), end, 'native trim'))
        elif m := COMPILE.match(line):
            compiles.append((int(m.group(1)), int(m.group(2))))
    return sorted(pauses), sorted(trims), compiles


def read_trace(path):
    return [tuple(map(int, l.split())) for l in open(path) if l.strip()]


def quantile(sorted_xs, q):
    return sorted_xs[min(len(sorted_xs) - 1, max(0, int(q * len(sorted_xs) + 0.999999) - 1))]


def paused_ns(pauses, starts, t0, t1):
    """How much of [t0, t1] the pauses cover; pauses are short, sorted by start and do not overlap each other."""
    i = bisect.bisect_right(starts, t1)
    return sum(max(0, min(e, t1) - max(s, t0)) for s, e, _ in pauses[max(0, i - 64):i])


def report(name, conns, pauses, trims, compiles):
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
    trims_in = [p for p in trims if p[1] >= lo and p[0] <= hi]
    if trims_in:
        tstarts = [p[0] for p in trims_in]
        t_all = sum(paused_ns(trims_in, tstarts, t, a) > 0 for t, a in conns)
        t_slow = sum(paused_ns(trims_in, tstarts, t, a) > 0 for t, a in slow)
        ms = sorted((e - s) / 1e6 for s, e, _ in trims_in)
        print(f"  native trims: {len(trims_in)} ({len(trims_in) * per100k:.1f} per 100k connections), median "
              f"{ms[len(ms) // 2]:.2f} ms, longest {ms[-1]:.2f} ms; above p99 overlapping one: "
              f"{100 * t_slow / max(1, len(slow)):.1f} %, all connections: {100 * t_all / len(conns):.1f} %")
    tiers = Counter(tier for t, tier in compiles if lo <= t <= hi)
    if tiers:
        print(f"  JIT compilations started: {sum(tiers.values())} ({sum(tiers.values()) * per100k:.1f} per 100k "
              f"connections; C2 {tiers.get(4, 0)}, C1 {sum(n for k, n in tiers.items() if k != 4)})")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    events = read_events(sys.argv[1])
    everything = []
    for path in sys.argv[2:]:
        conns = read_trace(path)
        everything += conns
        report(path, conns, *events)
    if len(sys.argv) > 3:
        report("all rounds", everything, *events)


if __name__ == '__main__':
    main()
