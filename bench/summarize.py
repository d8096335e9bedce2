#!/usr/bin/env python3
"""Turn bench/run.sh's results.tsv (proxy, metric, round, value) into Markdown: one table of ratios against
HAProxy (measured rounds; cells = median (min–max)), then the warm-up rounds on their own.

    summarize.py results.tsv [machine.txt]

Rounds named "wN" are warm-up rounds: they never enter the main table.
"""
import re
import statistics
import sys
from collections import defaultdict

PROXIES = ["ingress", "haproxy", "nginx"]
COLUMNS = PROXIES + ["direct"]
FAIL_KINDS = ["connect", "timeout", "wrong", "reset", "eof"]


def rows(first_secs):
    """(metric, label, better, aggregate): better = "high"/"low" gives a ratio column, None does not;
    aggregate = "median" (with min–max), "sum" (all rounds), or "fails" (sum, with the kinds that occurred)."""
    out = []
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        out.append((f"conn_{fam}", f"new connections/s, {name}", "high", "median"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        for q, qn in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
            out.append((f"{q}_{fam}", f"connect→answer {qn} µs, {name}", "low", "median"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        for q, qn in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
            out.append((f"f{q}_{fam}", f"at a fixed rate (LAT_RATE, open loop): connect→answer {qn} µs, {name}", "low",
                        "median"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        out.append((f"futil_{fam}", f"at a fixed rate: proxy CPU utilisation, {name}", "low", "median"))
        out.append((f"flg_util_{fam}", f"at a fixed rate: load generator CPU utilisation, {name}", None, "median"))
        out.append((f"fcapped_{fam}", f"at a fixed rate: connections not started, {name} (all rounds)", None, "sum"))
        out.append((f"ffail_{fam}", f"at a fixed rate: failed connections, {name} (all rounds)", None, "sum"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        out.append((f"cpuk_{fam}", f"proxy CPU-s per 1000 connections, {name}", "low", "median"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        out.append((f"util_{fam}", f"proxy CPU utilisation (CPU-s / wall-s), {name}", None, "median"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        out.append((f"lg_util_{fam}", f"load generator CPU utilisation, {name}", None, "median"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        out.append((f"cpu0_util_{fam}", f"CPU 0 utilisation (load generator + backend), {name}", None, "median"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        out.append((f"fail_{fam}", f"failed connections, {name} (all rounds)", None, "fails"))
    for fam, name in (("v4", "IPv4"), ("v6", "IPv6")):
        out.append((f"synretrans_{fam}", f"kernel SYN retransmits during the runs, {name} (all rounds)", None, "sum"))
        out.append((f"listenovf_{fam}", f"kernel listen-queue overflows during the runs, {name} (all rounds)", None,
                    "sum"))
    out += [
        ("tls_conn_v4", "full TLS handshakes/s (tlsload), IPv4", "high", "median"),
        ("tls_conn_v6", "full TLS handshakes/s (tlsload), IPv6", "high", "median"),
        ("tls_cpuk_v4", "proxy CPU-s per 1000 TLS handshakes, IPv4", "low", "median"),
        ("tls_fail_v4", "failed TLS connections, IPv4 (all rounds)", None, "sum"),
        ("tls_fail_v6", "failed TLS connections, IPv6 (all rounds)", None, "sum"),
        ("wrk_p50", "wrk keep-alive latency p50 ms", "low", "median"),
        ("wrk_p99", "wrk keep-alive latency p99 ms", "low", "median"),
        ("wrk_req_s", "wrk requests/s", "high", "median"),
        ("wrk_errors", "wrk errors (all rounds)", None, "sum"),
        ("gbps", "bulk Gbit/s (iperf3, 1 stream, tcp_raw route)", "high", "median"),
        ("cpu_per_gb", "proxy CPU-s per GB (bulk)", "low", "median"),
        ("gbps_util", "proxy CPU utilisation (bulk)", None, "median"),
        ("rss_start_mb", "RSS when ready after start (before any load), MB", "low", "median"),
        ("startup_s", "start → ready (listening; ingress: /readyz), s", "low", "median"),
    ]
    for s in range(1, first_secs + 1):
        out.append((f"first_s{s}", f"cold start: conn/s in second {s} after ready (IPv4)", "high", "median"))
    out += [
        ("first_fail", "cold start: failed connections in those seconds (all starts)", None, "sum"),
        ("held", "idle connections held", None, "median"),
        ("hold_failed", "idle connections that failed to open", None, "sum"),
        ("hold_dropped", "idle connections that ended while held (should be 0)", None, "sum"),
        ("rss_idle_mb", "RSS before holding, MB", "low", "median"),
        ("rss_held_mb", "RSS while holding, MB", "low", "median"),
        ("rss_per_conn_kb", "RSS per idle connection, kB", "low", "median"),
        ("heap_idle_mb", "heap used before holding (after GC), MB", None, "median"),
        ("heap_held_mb", "heap used while holding (after GC), MB", None, "median"),
        ("heap_per_conn_kb", "heap per idle connection (after GC), kB", None, "median"),
        ("active_gauge_held", "ghost_connections_active while holding", None, "median"),
        ("active_gauge_after", "ghost_connections_active 3 s after release", None, "median"),
        ("heap_after_mb", "heap used after release (after GC), MB", None, "median"),
    ]
    return out


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def fmt(x):
    if x is None:
        return "n/a"
    if x == int(x) and abs(x) < 100:
        return str(int(x))     # counts and whole numbers: no ".00"
    if abs(x) >= 100:
        return f"{x:,.0f}".replace(",", " ")
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1 or x == 0:
        return f"{x:.2f}"
    return f"{x:.3g}"          # CPU-s per 1000 connections and the like: keep 3 significant digits


def load(path):
    """{(proxy, metric): {round: value}} for measured rounds, and the same for warm-up rounds."""
    measured, warm = defaultdict(dict), defaultdict(dict)
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 4:
            continue
        proxy, metric, rnd, value = parts
        (warm if rnd.startswith("w") else measured)[(proxy, metric)][rnd] = num(value)
    return measured, warm


def cell(data, proxy, metric, agg):
    """(text, aggregate value) of one cell; ("–", None) when the metric does not exist for that proxy."""
    if (proxy, metric) not in data:
        return "–", None
    vals = [v for v in data[(proxy, metric)].values() if v is not None]
    if not vals:
        return "n/a", None
    if agg in ("sum", "fails"):
        total = sum(vals)
        text = fmt(total) if total else "0"
        if agg == "fails" and total:
            fam = metric.rsplit("_", 1)[1]
            kinds = [f"{k} {fmt(sum(v for v in data.get((proxy, f'fail_{k}_{fam}'), {}).values() if v))}"
                     for k in FAIL_KINDS if any(data.get((proxy, f"fail_{k}_{fam}"), {}).values())]
            text += f" ({', '.join(kinds)})"
        return text, total
    med = statistics.median(vals)
    text = fmt(med)
    if len(vals) > 1:
        text += f" ({fmt(min(vals))}–{fmt(max(vals))})"
    return text, med


def main_table(data):
    first_secs = max([int(m[len("first_s"):]) for _, m in data if re.fullmatch(r"first_s\d+", m)] or [0])
    print("| metric | ingress | HAProxy | nginx | direct | ingress / HAProxy | nginx / HAProxy |")
    print("|---|---|---|---|---|---|---|")
    for metric, label, better, agg in rows(first_secs):
        if not any((p, metric) in data for p in COLUMNS):
            continue
        texts, aggs = zip(*(cell(data, p, metric, agg) for p in COLUMNS))
        agg_of = dict(zip(COLUMNS, aggs))
        ratios = []
        for p in ("ingress", "nginx"):
            h, v = agg_of["haproxy"], agg_of[p]
            ratios.append(f"{v / h:.2f}" if better and h and v is not None else "–")
        print(f"| {label} | " + " | ".join(texts) + " | " + " | ".join(ratios) + " |")


def warmup_table(warm):
    rounds = sorted({r for vals in warm.values() for r in vals}, key=lambda r: int(r[1:]))
    if not rounds:
        return
    print("\nWarm-up rounds (not in the table above): conn/s, connect→answer p99 µs and proxy CPU-s per 1000 "
          "connections, per round.\n")
    print("| proxy | metric | " + " | ".join(rounds) + " |")
    print("|---|---|" + "---|" * len(rounds))
    for p in PROXIES:
        for metric, label in (("conn_v4", "conn/s IPv4"), ("conn_v6", "conn/s IPv6"), ("p99_v4", "p99 µs IPv4"),
                              ("cpuk_v4", "CPU-s/1000 IPv4"), ("fail_v4", "failed IPv4"), ("fail_v6", "failed IPv6")):
            vals = warm.get((p, metric), {})
            if vals:
                print(f"| {p} | {label} | " + " | ".join(fmt(vals.get(r)) for r in rounds) + " |")


def main():
    measured, warm = load(sys.argv[1])
    if len(sys.argv) > 2:
        print("```")
        print(open(sys.argv[2]).read().rstrip())
        print("```\n")
    main_table(measured)
    print("\nCells: median over measured rounds (min–max); ratios: median ÷ HAProxy's median (higher is better for "
          "conn/s, handshakes/s, req/s and Gbit/s; lower is better for latency, CPU and memory). Utilisation rows "
          "have no ratio: near 1.0 for a proxy means its core was saturated (the proxy was the bottleneck); near 1.0 "
          "for CPU 0 means the load side was.")
    warmup_table(warm)


if __name__ == "__main__":
    main()
