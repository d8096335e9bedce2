#!/usr/bin/env python3
"""Idle bench (issue 11, "idle CPU ≈ 0"): one node synced from bench/scalecp.py at N routes, measured while nothing
changes.

    bench/idle.py [--routes 100000] [--settle 60] [--window 30] [--jfr] [--set GHOST_X=V] [--distinct-instances]
                  [--jar J] [--out DIR]

Starts the generated control plane (N routes over N/100 environments, 2 ready instances each) and one node (the
jar, the flags of bench/scale.py), waits until /readyz is 200 and the last route is served, lets it settle, then
over --window seconds measures:
- the node's CPU (utime + stime of /proc/PID/stat) as % of one core, and per thread (/proc/PID/task/*/stat, threads
  grouped by name with digits dropped) to see where it goes;
- the control plane's requests by kind (/bench/stats) in that window: what the node asks while nothing changes;
- the node's health probes per second (ghost_health_probes_total, scraped just outside the CPU window).
With --jfr the window is also recorded (JFR, settings=profile) into $OUT/idle-N.jfr. Loopback only; every process
started is stopped at exit. Output: one JSON line on stdout and $OUT/idle-N.json.
"""
import argparse
import json
import os
import re
import selectors
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scale  # noqa: E402
from scale import (ORG, TOKEN, backend_pair, cpu_seconds, free_port, get, machine, metric_sum, node_env, start,  # noqa: E402
                   start_node, stop, stop_all, time_to_ready)
from scalecp import instance_addresses  # noqa: E402

ACCEPTED = [0]  # connections the distinct backends accepted (the node's health probes, while idle)


def distinct_backends(envs):
    """Listeners on every env's own instance addresses (scalecp.py --distinct-instances), one port, answering
    "A" then closing, all served by one thread; returns the port."""
    addrs = [a.split("::ffff:")[1].split("/")[0] for e in range(envs)
             for a in instance_addresses(f"env_{e:06d}", True)]
    for _ in range(20):
        socks = []
        try:
            port = 0
            for a in addrs:
                s = socket.socket()
                socks.append(s)
                s.bind((a, port))
                port = s.getsockname()[1]
                s.listen(64)
                s.setblocking(False)
            break
        except OSError:
            for s in socks:
                s.close()
    else:
        raise SystemExit("no port free on every instance address")
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)

    def serve():
        while True:
            for key, _ in sel.select():
                try:
                    c, _ = key.fileobj.accept()
                    ACCEPTED[0] += 1
                    c.setblocking(True)
                    c.settimeout(1)
                    c.sendall(b"A\n")
                    c.close()
                except OSError:
                    pass
    threading.Thread(target=serve, daemon=True).start()
    return port


def thread_cpu(pid):
    """CPU seconds per thread name (digits dropped: 'vert.x-eventloop-thread-1' -> 'vert.x-eventloop-thread-')."""
    out = {}
    tck = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            raw = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        name = re.sub(r"\d+", "", raw[raw.index("(") + 1:raw.rindex(")")])
        f = raw.rsplit(")", 1)[1].split()
        out[name] = out.get(name, 0) + (int(f[11]) + int(f[12])) / tck
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--routes", type=int, default=100000)
    ap.add_argument("--settle", type=float, default=60, help="seconds after served before the window")
    ap.add_argument("--window", type=float, default=30, help="seconds measured")
    ap.add_argument("--deadline", type=float, default=300)
    ap.add_argument("--jfr", action="store_true")
    ap.add_argument("--distinct-instances", action="store_true",
                    help="each env its own 2 backends (N/50 backends, all probed), not one shared pair")
    ap.add_argument("--set", action="append", default=[], metavar="GHOST_X=V",
                    help="an extra environment variable of the node (repeatable), e.g. GHOST_BACKEND_SYNC_INTERVAL=1h")
    ap.add_argument("--jar", default=os.path.join(HERE, "..", "target", "ingress.jar"))
    ap.add_argument("--out", default=os.path.join(HERE, "out", "idle-" + time.strftime("%Y%m%dT%H%M%SZ",
                                                                                      time.gmtime())))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    n = args.routes
    port_a = distinct_backends((n + 99) // 100) if args.distinct_instances else backend_pair(b"A\n")
    cp_port, node_port, admin = free_port(), free_port("::1"), free_port()
    cp_log = os.path.join(args.out, f"cp-{n}.log")
    start([sys.executable, os.path.join(HERE, "scalecp.py"), "--routes", str(n), "--listen-port", str(cp_port),
           "--backend-port", str(port_a), "--org", ORG, "--token", TOKEN]
          + (["--distinct-instances"] if args.distinct_instances else []), None, cp_log)
    if not scale.wait_for(lambda: "listening" in open(cp_log).read(), args.deadline):
        raise SystemExit("the control plane did not start")
    state = os.path.join(args.out, f"state-{n}.json")
    env = dict(node_env(cp_port, node_port, admin, state), **dict(kv.split("=", 1) for kv in args.set))
    node = start_node(args, env, os.path.join(args.out, f"node-{n}.log"))
    r = {"routes": n, "set": args.set, "distinct_instances": args.distinct_instances, "machine": machine()}
    if not time_to_ready(node, admin, node_port, n - 1, args.deadline, r, "cp"):
        raise SystemExit(json.dumps(r))
    time.sleep(args.settle)
    jfr = os.path.join(args.out, f"idle-{n}.jfr")
    if args.jfr:
        subprocess.run(["jcmd", str(node.pid), "JFR.start", "settings=profile", "name=idle"], capture_output=True,
                       timeout=60)
    p0 = metric_sum(admin, "ghost_health_probes_total") or 0  # scraped outside the CPU window
    s0, c0, t0 = json.loads(get(f"http://127.0.0.1:{cp_port}/bench/stats")), cpu_seconds(node.pid), thread_cpu(node.pid)
    a0, w0 = ACCEPTED[0], time.monotonic()
    time.sleep(args.window)
    c1, t1 = cpu_seconds(node.pid), thread_cpu(node.pid)
    s1 = json.loads(get(f"http://127.0.0.1:{cp_port}/bench/stats"))
    window = time.monotonic() - w0
    r["node_probes_per_s"] = round(((metric_sum(admin, "ghost_health_probes_total") or 0) - p0) / window, 1)
    if args.distinct_instances:
        # the node's health probes as the backends saw them (a CPU-starved bench thread may count late)
        r["backend_connections_in_window"] = ACCEPTED[0] - a0
        r["probes_per_s"] = round((ACCEPTED[0] - a0) / window, 1)
    if args.jfr:
        subprocess.run(["jcmd", str(node.pid), "JFR.dump", "name=idle", f"filename={jfr}"], capture_output=True,
                       timeout=120)
        r["jfr"] = jfr
    r["loadavg_after"] = open("/proc/loadavg").read().split()[:3]
    r["window_s"] = round(window, 1)
    r["idle_cpu_pct"] = round(100 * (c1 - c0) / window, 2)
    r["cp_requests_in_window"] = {k: s1[k] - s0.get(k, 0) for k in s1}
    per = {k: round(100 * (t1.get(k, 0) - t0.get(k, 0)) / window, 2) for k in t1}
    r["thread_cpu_pct"] = dict(sorted(((k, v) for k, v in per.items() if v > 0), key=lambda kv: -kv[1]))
    stop(node)
    print(json.dumps(r), flush=True)
    with open(os.path.join(args.out, f"idle-{n}.json"), "w") as f:
        json.dump(r, f, indent=1)


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
