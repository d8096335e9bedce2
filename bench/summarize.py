#!/usr/bin/env python3
"""Turn bench/run.sh's results.tsv (proxy, metric, round, value) into a Markdown table with ratios vs HAProxy."""
import statistics
import sys
from collections import defaultdict

PROXIES = ["ingress", "haproxy", "nginx"]
ROWS = [
    # metric, label, better ("high"/"low"/None), aggregate ("median"/"sum")
    ("conn_v4", "(a) new TLS conn/s, IPv4", "high", "median"),
    ("conn_v6", "(a) new TLS conn/s, IPv6", "high", "median"),
    ("fail_v4", "(a) failed connections, IPv4 (all rounds)", "low", "sum"),
    ("fail_v6", "(a) failed connections, IPv6 (all rounds)", "low", "sum"),
    ("connp99_v4", "(a) connection time p99 ms, IPv4", "low", "median"),
    ("connp99_v6", "(a) connection time p99 ms, IPv6", "low", "median"),
    ("cpu_v4", "(a) proxy CPU %, IPv4", "low", "median"),
    ("cpu_v6", "(a) proxy CPU %, IPv6", "low", "median"),
    ("connpercpus_v4", "(a) conn per proxy CPU-second, IPv4", "high", "median"),
    ("connpercpus_v6", "(a) conn per proxy CPU-second, IPv6", "high", "median"),
    ("lat_p50", "(b) wrk latency p50 ms", "low", "median"),
    ("lat_p99", "(b) wrk latency p99 ms", "low", "median"),
    ("req_s", "(b) wrk requests/s", "high", "median"),
    ("wrk_errors", "(b) wrk errors (all rounds)", "low", "sum"),
    ("wrk_cpu", "(b) proxy CPU % under wrk", "low", "median"),
    ("gbps", "(c) bulk Gbit/s (iperf3, 1 stream)", "high", "median"),
    ("gbps_cpu", "(c) proxy CPU % under iperf3", "low", "median"),
    ("held", "(d) idle connections held", None, "median"),
    ("rss_idle_mb", "(d) RSS before, MB", "low", "median"),
    ("rss_held_mb", "(d) RSS with connections held, MB", "low", "median"),
    ("rss_per_conn_kb", "(d) RSS per idle connection, kB", "low", "median"),
    ("heap_idle_mb", "(d) heap used before (after GC), MB", "low", "median"),
    ("heap_held_mb", "(d) heap used held (after GC), MB", "low", "median"),
    ("heap_per_conn_kb", "(d) heap per idle connection, kB", "low", "median"),
    ("active_gauge_held", "(d) ghost_connections_active while held", None, "median"),
    ("active_gauge_after", "(d) ghost_connections_active 3 s after release", None, "median"),
    ("heap_after_mb", "(d) heap used after release (after GC), MB", None, "median"),
]


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def fmt(x):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def main():
    data = defaultdict(list)
    for line in open(sys.argv[1]):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4:
            data[(parts[0], parts[1])].append(num(parts[3]))
    if len(sys.argv) > 2:
        print("```")
        print(open(sys.argv[2]).read().rstrip())
        print("```\n")
    print("| metric | ingress | HAProxy | nginx | direct | ingress / HAProxy | nginx / HAProxy |")
    print("|---|---|---|---|---|---|---|")
    for metric, label, better, agg in ROWS:
        cells, agg_vals = [], {}
        for p in PROXIES + ["direct"]:
            vals = [v for v in data.get((p, metric), []) if v is not None]
            if not vals:
                cells.append("–" if p == "direct" or (p, metric) not in data else "n/a")
                agg_vals[p] = None
                continue
            a = sum(vals) if agg == "sum" else statistics.median(vals)
            agg_vals[p] = a
            cell = fmt(a)
            if agg == "median" and len(vals) > 1:
                cell += f" ({fmt(min(vals))}–{fmt(max(vals))})"
            cells.append(cell)
        if all(agg_vals[p] is None for p in PROXIES):
            continue
        ratios = []
        for p in ("ingress", "nginx"):
            h, v = agg_vals["haproxy"], agg_vals[p]
            ratios.append(f"{v / h:.2f}" if better and h and v is not None else "–")
        print(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    print("\nCells: median over rounds (min–max); ratios are medians divided by HAProxy's median, "
          "for conn/s, Gbit/s and req/s higher is better, for latency, CPU and memory lower is better.")


if __name__ == "__main__":
    main()
