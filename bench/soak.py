#!/usr/bin/env python3
"""Soak: steady churn, long-lived sessions, periodic route changes and reloads against the jar; fails on a slope.

One command (from the repository root, after `mvn -B package -DskipTests`):

    bench/soak.py [--seconds 1800] [--jar target/ingress.jar] [--java java] [--churn 16] [--sessions 20] [--change-every 5]

The node runs from a config file with a raw TCP route and a TLS route to echo backends. Meanwhile:
- `--churn` clients open, use and close connections back to back (TLS hellos through the TLS route, bytes through
  the raw route), each checking the echo byte for byte;
- `--sessions` long-lived sessions ping through the raw route once a second (the longest round trip per sample is
  reported as `max_lag_ms`: the event loop's lag seen from outside, load generator included); none may end;
- every `--change-every` seconds the config file gains or loses a third route (a hot reload, a route change and a
  listener bound or closed).
Every 10 s it samples the node: descriptors, sockets, RSS, heap used after a forced GC, open connections, the
sessions' longest round trip and the node's own event-loop stalls (`ghost_event_loop_stalls_total`, lags of 50 ms
or more) since the previous sample. Fails if any long-lived session ended, any churn connection failed, an ERROR line
was logged, or sockets or open connections did not come back to their level before the load once it stopped (pipes
are the splice relay's bounded pool and may stay). Over the second half it fits least-squares slopes, per minute, of
each series in SLOPE_LIMITS (idle sockets = sockets - 2 x open, heap after GC, RSS, round-trip lag, stalls); with 10
samples or more there (runs of 4 minutes or more) it also fails if any slope exceeds its floor beyond three standard
errors (its noise). Bounded: loopback only, it stops by itself after --seconds. The test suite runs it for 60 s
(SoakIT).
"""
import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import ghostnode

HERE = os.path.dirname(os.path.abspath(__file__))
HELLO = open(os.path.join(HERE, "fixtures", "app1-openssl.bin"), "rb").read()


def config_text(work, ports, backend, extra):
    routes = [("raw", None, ports["raw"], "tcp_raw"), ("tls", "app1.bench.internal", ports["tls"], "tls_passthrough")]
    if extra:
        routes.append(("extra", None, ports["extra"], "tcp_raw"))
    # loopback only, and never the default [::]:443: another node on the machine may hold it
    text = f"""[listen]
ipv6 = ["[::1]:{ports['tls']}"]
ipv4 = ["127.0.0.1:{ports['tls']}"]
[admin]
listen = "127.0.0.1:{ports['admin']}"
[log]
level = "info"
access = false
[proxy]
# the soak looks for leaks and slopes, not sniff latency: a load generator starved for 200 ms must not fail it
sniff_timeout = "2s"
[health]
enabled = false
[state]
file = "{work}/state.json"
[[env]]
id = "soak"
ipv4 = "127.0.0.1"
"""
    for rid, host, port, proto in routes:
        text += f'[[route]]\nid = "{rid}"\nport = {port}\nprotocol = "{proto}"\nbackends = ["127.0.0.1:{backend}"]\n'
        text += 'env = "soak"\n' + (f'hostname = "{host}"\n' if host else "")
    return text


class Stats:
    def fail(self, why):
        self.churn_failed += 1
        self.failures[why] = self.failures.get(why, 0) + 1

    def __init__(self):
        self.churn_ok = self.churn_failed = self.sessions_ended = 0
        self.failures = {}
        self.lag_ms = 0.0


async def echo(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.write_eof()
    except (ConnectionError, OSError):
        pass
    writer.close()


async def churn_one(port, payload, stats):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        writer.write(payload)
        await writer.drain()
        writer.write_eof()
        got = b""
        while len(got) < len(payload):
            chunk = await asyncio.wait_for(reader.read(65536), 10)
            if not chunk:
                break
            got += chunk
        writer.close()
        if got == payload:
            stats.churn_ok += 1
        else:
            stats.fail(f"port {port}: {len(got)} of {len(payload)} bytes echoed")
    except Exception as e:
        stats.fail(f"port {port}: {type(e).__name__} {e}")


async def churner(ports, stats, until):
    n = 0
    while time.time() < until:
        n += 1
        if n % 2:
            await churn_one(ports["tls"], HELLO, stats)
        else:
            await churn_one(ports["raw"], os.urandom(1 + n % 3000), stats)


async def session(port, stats, until):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.time() < until:
            started = time.time()
            writer.write(b"ping\n")
            await writer.drain()
            line = await asyncio.wait_for(reader.readexactly(5), 10)
            if line != b"ping\n":
                raise IOError("wrong echo")
            stats.lag_ms = max(stats.lag_ms, (time.time() - started) * 1000)
            await asyncio.sleep(1)
        writer.close()
    except Exception:
        stats.sessions_ended += 1


def write_config(path, work, ports, backend, extra):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(config_text(work, ports, backend, extra))
    os.replace(tmp, path)


async def changer(path, work, ports, backend, every, until):
    extra = False
    while time.time() + every < until:
        await asyncio.sleep(every)
        extra = not extra
        write_config(path, work, ports, backend, extra)
    # end as it began, so the listeners after the load are those before it
    write_config(path, work, ports, backend, False)


def sample(pid, admin):
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=30)
    metrics = ghostnode.get(f"http://127.0.0.1:{admin}/metrics")
    heap = sum(float(m.group(1)) for m in re.finditer(r'^jvm_memory_used_bytes\{area="heap"[^}]*\} (\S+)', metrics, re.M))
    active = sum(float(m.group(1)) for m in re.finditer(r"^ghost_connections_active\{[^}]*\} (\S+)", metrics, re.M))
    stalls = sum(float(m.group(1)) for m in re.finditer(r"^ghost_event_loop_stalls_total(?:\{[^}]*\})? (\S+)", metrics, re.M))
    closed = {}
    for m in re.finditer(r'^ghost_connections_closed_total\{[^}]*reason="([a-z_]+)"[^}]*\} (\S+)', metrics, re.M):
        closed[m.group(1)] = closed.get(m.group(1), 0) + int(float(m.group(2)))
    with open(f"/proc/{pid}/status") as f:
        rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    links = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass  # closed meanwhile
    # pipes are the splice relay's pool (kept, bounded): sockets are what a leak would show
    return {"fds": len(links), "sockets": sum(1 for l in links if l.startswith("socket:")), "rss_mb": round(rss / 1024, 1),
            "heap_after_gc_mb": round(heap / 1e6, 1), "active": int(active), "stalls_total": int(stalls),
            "closed_abnormally": {k: v for k, v in closed.items() if k not in ("completed", "client_closed")}}


def slope_per_min(points):
    """Least-squares slope of (seconds, value) points per minute, and its standard error (0 when undefined)."""
    n = len(points)
    if n < 3:
        return 0.0, 0.0
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    var = sum((p[0] - mx) ** 2 for p in points)
    if var == 0:
        return 0.0, 0.0
    b = sum((p[0] - mx) * (p[1] - my) for p in points) / var
    residual = sum((p[1] - (my + b * (p[0] - mx))) ** 2 for p in points)
    return 60 * b, 60 * (residual / (n - 2) / var) ** 0.5


# slopes are judged only over this many samples or more (10 s apart): fewer cannot tell a leak from churn's swing
MIN_SLOPE_SAMPLES = 10

# the series whose growth fails a soak: name -> (value of a sample, floor per minute). A slope fails when it exceeds
# its floor by more than three standard errors. RSS gets a wider floor than the heap: the JVM's malloc arenas and
# code cache still settle over the first minutes (soak run 1: +0.2 MB/min over 30 min with a flat heap).
SLOPE_LIMITS = {
    "idle_sockets": (lambda s: s["sockets"] - 2 * s["active"], 1.0),
    "heap_after_gc_mb": (lambda s: s["heap_after_gc_mb"], 1.0),
    "rss_mb": (lambda s: s["rss_mb"], 2.0),
    "max_lag_ms": (lambda s: s["max_lag_ms"], 5.0),
    "stalls": (lambda s: s["stalls"], 1.0),
}


def judge_slopes(samples):
    """Slope per minute, its standard error and a verdict for each series of SLOPE_LIMITS."""
    out = {}
    for name, (value, floor) in SLOPE_LIMITS.items():
        slope, err = slope_per_min([(s["t"], value(s)) for s in samples])
        out[name] = {"slope_per_min": round(slope, 2), "stderr": round(err, 2), "floor": floor,
                     "ok": slope <= floor + 3 * err}
    return out


async def main_async(args):
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    backend = server.sockets[0].getsockname()[1]
    ports = {k: ghostnode.free_port() for k in ("raw", "tls", "extra", "admin")}
    work = tempfile.mkdtemp(prefix="ghost-soak-")
    path = os.path.join(work, "soak.toml")
    with open(path, "w") as f:
        f.write(config_text(work, ports, backend, False))
    log_path = os.path.join(work, "node.log")
    node = await ghostnode.start(args.java, args.jar, path, ports["admin"], log_path)
    stats, samples = Stats(), []
    try:
        before = await asyncio.get_running_loop().run_in_executor(None, sample, node.pid, ports["admin"])
        print(json.dumps({"before_load": before}), flush=True)
        start = time.time()
        until = start + args.seconds
        tasks = [asyncio.ensure_future(churner(ports, stats, until)) for _ in range(args.churn)]
        tasks += [asyncio.ensure_future(session(ports["raw"], stats, until)) for _ in range(args.sessions)]
        tasks.append(asyncio.ensure_future(changer(path, work, ports, backend, args.change_every, until)))
        while until - time.time() > 10:
            await asyncio.sleep(10)
            s = await asyncio.get_running_loop().run_in_executor(None, sample, node.pid, ports["admin"])
            s.update(t=round(time.time() - start), churn_ok=stats.churn_ok, churn_failed=stats.churn_failed,
                     sessions_ended=stats.sessions_ended, max_lag_ms=round(stats.lag_ms, 1),
                     stalls=s["stalls_total"] - (samples[-1] if samples else before)["stalls_total"])
            stats.lag_ms = 0.0
            samples.append(s)
            print(json.dumps(s), flush=True)
        await asyncio.gather(*tasks, return_exceptions=True)
        # every client is gone: the node's descriptors and open connections must come back to where they started
        settle = time.time() + 10
        after = await asyncio.get_running_loop().run_in_executor(None, sample, node.pid, ports["admin"])
        while (after["sockets"] > before["sockets"] or after["active"] > 0) and time.time() < settle:
            await asyncio.sleep(0.5)
            after = await asyncio.get_running_loop().run_in_executor(None, sample, node.pid, ports["admin"])
        print(json.dumps({"after_load": after}), flush=True)
        alive = node.poll() is None
    finally:
        ghostnode.stop(node)
        server.close()
    errors = [l for l in open(log_path) if '"level":"ERROR"' in l]
    half = [s for s in samples if s["t"] >= args.seconds / 2] or samples
    slopes = judge_slopes(half)
    judged = len(half) >= MIN_SLOPE_SAMPLES
    report = {"seconds": args.seconds, "churn_ok": stats.churn_ok, "churn_failed": stats.churn_failed,
              "sessions": args.sessions, "sessions_ended": stats.sessions_ended, "error_lines": len(errors),
              "node_alive": alive, "sockets_before_load": before["sockets"],
              "sockets_after_load": after["sockets"], "fds_before_load": before["fds"], "fds_after_load": after["fds"],
              "active_after_load": after["active"], "slopes_judged": judged, "slopes": slopes,
              "churn_failures": stats.failures, "closed_abnormally": after["closed_abnormally"], "ports": ports,
              "log": log_path}
    print(json.dumps(report, indent=2))
    for line in errors[:5]:
        print("ERROR line:", line.strip(), file=sys.stderr)
    # a slope is a leak only beyond its own noise: three standard errors
    ok = (alive and stats.churn_failed == 0 and stats.sessions_ended == 0 and not errors and stats.churn_ok > 0
          and after["sockets"] <= before["sockets"] and after["active"] == 0
          and (not judged or all(v["ok"] for v in slopes.values())))
    print("soak: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def self_test():
    """The verdicts on made-up runs: flat noisy series pass, each series that grows fails alone (SoakSlopesTest)."""
    import random
    rnd = random.Random(7)

    def run(grow=None, per_min=0.0):
        samples = []
        for i in range(90):  # 15 minutes, a sample every 10 s
            t = 900 + 10 * i
            s = {"t": t, "sockets": 60 + rnd.choice((0, 2, 4)), "active": rnd.choice((0, 1, 2)),
                 "heap_after_gc_mb": 30 + rnd.gauss(0, 0.5), "rss_mb": 110 + rnd.gauss(0, 1.5),
                 "max_lag_ms": 3 + abs(rnd.gauss(0, 2)), "stalls": rnd.choice((0, 0, 0, 1))}
            if grow == "idle_sockets":
                s["sockets"] += round(per_min * t / 60)
            elif grow:
                s[grow] += per_min * t / 60
            samples.append(s)
        return {name: v["ok"] for name, v in judge_slopes(samples).items()}

    failures = []
    if not all(run().values()):
        failures.append(f"a flat run failed: {run()}")
    for name, per_min in (("idle_sockets", 4), ("heap_after_gc_mb", 3), ("rss_mb", 6), ("max_lag_ms", 15),
                          ("stalls", 3)):
        verdicts = run(name, per_min)
        if verdicts[name] or not all(ok for n, ok in verdicts.items() if n != name):
            failures.append(f"{name} growing {per_min}/min judged {verdicts}")
    print("\n".join(failures) or "soak self-test: passed")
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=1800)
    p.add_argument("--jar", default="target/ingress.jar")
    p.add_argument("--java", default="java")
    p.add_argument("--churn", type=int, default=16)
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--change-every", type=float, default=5)
    sys.exit(asyncio.run(main_async(p.parse_args())))


if __name__ == "__main__":
    main()
