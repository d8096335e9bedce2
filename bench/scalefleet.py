#!/usr/bin/env python3
"""Scale bench, fleet mode (issue 11): `bench/scale.py --nodes 3` runs this script with the same arguments.

    bench/scale.py --nodes 3 [--sizes 100,1000,10000,100000] [--max N] [--changes 50] [--jfr] [--out DIR]

Per N: the generated control plane of the one-node mode (bench/scalecp.py) and a clustered fleet of --nodes jar
processes on loopback, started together the way cluster/run-local-fleet.sh starts them: the full member list
(127.0.0.1, free ports), a fresh shared secret (mode 600, in a temporary directory removed at the end), the
node's own cluster/hazelcast.xml settings, every node configured with the control plane (the fleet's leader syncs
from it, the others follow the cluster's routing log). It measures, per node:
- time to ready: start -> /readyz 200, and start -> the last route answers through that node;
- settled RSS (--settle s after every node served), peak RSS (VmHWM), heap after a full GC per route, idle CPU
  over 5 s, the longest event-loop lag and stalls >= 50 ms (start-up, changes), Vert.x blocked-thread warnings;
- route change -> traffic: --changes changes (a random route's backend_port toggled, each after a random
  0..200 ms pause) measured on every node by real connections (a ClientHello with the route's SNI) until that
  node answers with the new backend; the fleet figure of a change is its slowest node;
- bytes replicated per change: the bytes both ways on the fleet's Hazelcast and event-bus connections (kernel
  counters from `ss -ti`, counted once per connection at its listening end), minus the idle rate measured over the
  idle-CPU window: per change (from just before the change to every node serving it; median and p99) and over the
  whole change phase divided by the changes (base snapshots written by compaction included; their count is
  from the leader's log);
- state-file bytes per node, the control plane's requests by kind.
Everything is loopback; every wait has a deadline; every process started is stopped at exit (and gets SIGTERM
if this script dies: PR_SET_PDEATHSIG).
"""
import ctypes
import json
import os
import re
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no bench/__pycache__ in the work tree
import scale  # noqa: E402  (the one-node mode: backends, probes, process and /proc helpers)
from scale import answer_via, free_port, get, host_of, metric, pct, proc_status, ready, rid_of  # noqa: E402

# Hazelcast reads through sun.misc.Unsafe; JDK 24+ need this to allow it, JDK 17 ignores it (docs/clustering.md)
CLUSTER_JAVA_OPTS = ["-XX:+IgnoreUnrecognizedVMOptions", "--sun-misc-unsafe-memory-access=allow"]
PR_SET_PDEATHSIG = 1
PRCTL = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the forked child only calls it


def die_with_parent():
    """In the child before exec: SIGTERM when the bench (the thread that started it: always the main one) dies."""
    PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def start(cmd, env, log):
    f = open(log, "w")
    p = subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.PIPE,
                         preexec_fn=die_with_parent)
    scale.procs.append(p)
    return p


class Node:
    """One member of the fleet: its ports, files and process."""

    def __init__(self, i, work, out, n):
        self.i, self.node_id = i, f"bench-{i}"
        self.cluster_port, self.bus_port, self.admin = free_port(), free_port(), free_port()
        self.route_port = free_port("::1")
        self.state = os.path.join(work, f"node-{i}-state.json")
        self.log = os.path.join(out, f"fleet-{n}-node-{i}.log")
        self.proc = None
        self.r = {"node": self.node_id}

    def env(self, cp_port, name, members, secret, polling=False):
        e = scale.node_env(cp_port, self.route_port, self.admin, self.state, polling)
        return dict(e, GHOST_NODE_ID=self.node_id, GHOST_CLUSTER_MEMBERS=members, GHOST_CLUSTER_HOST="127.0.0.1",
                    GHOST_CLUSTER_PORT=str(self.cluster_port), GHOST_EVENTBUS_PORT=str(self.bus_port),
                    GHOST_CLUSTER_NAME=name, GHOST_CLUSTER_SECRET_FILE=secret)

    def metric(self, name):
        return metric(self.admin, name)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def write_secret(work):
    """32 random bytes as 64 hex characters, readable by this user only (docs/clustering.md, Cluster trust)."""
    path = os.path.join(work, "cluster.secret")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(os.urandom(32).hex() + "\n")
    return path


# ---- readiness of every node, measured from one common start

def on_every_node(nodes, probe):
    """probe(node) on every node at once, one thread each (a slow node does not delay the others' figures); the
    results by node index. Threads only probe: processes are started from the main thread (PR_SET_PDEATHSIG)."""
    results = {}
    threads = [threading.Thread(target=lambda nd=nd: results.__setitem__(nd.i, probe(nd))) for nd in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def await_served(nodes, last, deadline, t0):
    """Polls every node until it answers /readyz and routes the last route to backend A; records both times."""
    end = t0 + deadline

    def until(nd, cond):
        while time.monotonic() < end and nd.alive():
            if cond():
                return round(time.monotonic() - t0, 2)
            time.sleep(0.02)
        return None

    def served(nd):
        marks = (("cp_readyz_s", lambda: ready(nd.admin)),
                 ("cp_served_s", lambda: answer_via(nd.route_port, host_of(last)) == "A"))
        for key, cond in marks:
            at = until(nd, cond)
            if at is None:
                nd.r["not_finished"] = "exited" if not nd.alive() else "not ready" if key == "cp_readyz_s" \
                    else "readyz but the last route never answered"
                return
            nd.r[key] = at

    on_every_node(nodes, served)
    return all("cp_served_s" in nd.r for nd in nodes)


def fleet_view(nodes):
    """(leader node id, member count per node) from /v1/fleet and /v1/status."""
    leader = None
    for nd in nodes:
        try:
            leader = json.loads(get(f"http://127.0.0.1:{nd.admin}/v1/fleet")).get("leader")
            break
        except OSError:
            continue
    members = {}
    for nd in nodes:
        try:
            members[nd.node_id] = json.loads(get(f"http://127.0.0.1:{nd.admin}/v1/status"))["cluster"]["members"]
        except (OSError, KeyError, ValueError):
            members[nd.node_id] = None
    return leader, members


# ---- bytes on the fleet's own connections

def wire_bytes(ports):
    """Bytes sent + received on every established TCP connection whose local (listening) port is in `ports`:
    each connection between two members counted once, at its server end."""
    expr = "( " + " or ".join(f"sport = :{p}" for p in ports) + " )"
    out = subprocess.run(["ss", "-tinH", "state", "established", expr], capture_output=True, text=True,
                         timeout=10).stdout
    return sum(int(a) + int(b) for a, b in re.findall(r"bytes_acked:(\d+).*?bytes_received:(\d+)", out))


def count_lines(path, start, needle):
    with open(path, "rb") as f:
        f.seek(start)
        return sum(1 for line in f if needle in line)


# ---- route changes seen on every node

def changes(args, n, cp_port, nodes, ports, idle_rate, hz_ports):
    """--changes changes after 3 warm-ups; per change the time until each node answers with the new backend."""
    rnd = random.Random(n)
    per_node = {nd.i: [] for nd in nodes}
    fleet, lost, wire = [], {nd.i: 0 for nd in nodes}, []
    where = {}
    t_phase, b_phase = None, None
    for k in range(args.changes + 3):
        i = rnd.randrange(n)
        target = "B" if where.get(i, "A") == "A" else "A"
        time.sleep(rnd.uniform(0, 0.2))
        if k == 3:
            t_phase, b_phase = time.monotonic(), wire_bytes(hz_ports)
        b0 = wire_bytes(hz_ports)
        t0 = time.monotonic()
        get(f"http://127.0.0.1:{cp_port}/bench/routes/{rid_of(i)}?backend_port={ports[target]}", data=b"")
        where[i] = target
        seen = see_everywhere(nodes, host_of(i), target, t0, 30)
        window = time.monotonic() - t0
        bytes_moved = wire_bytes(hz_ports) - b0
        if k < 3:
            continue  # warm-up
        wire.append(bytes_moved - idle_rate * window)
        for nd in nodes:
            if nd.i in seen:
                per_node[nd.i].append(seen[nd.i])
            else:
                lost[nd.i] += 1
        if len(seen) == len(nodes):
            fleet.append(max(seen.values()))
    duration = time.monotonic() - t_phase
    total = wire_bytes(hz_ports) - b_phase - idle_rate * duration
    return per_node, lost, fleet, {
        "wire_bytes_per_change_p50": round(pct(wire, 50) or 0), "wire_bytes_per_change_p99": round(pct(wire, 99) or 0),
        "wire_bytes_per_change_all": round(total / max(1, args.changes)), "change_phase_s": round(duration, 1)}


def see_everywhere(nodes, host, target, t0, deadline):
    """ms from t0 until each node first answers `target` for `host` (each node probed back to back by its own
    thread); nodes that did not within the deadline are missing."""
    end = t0 + deadline

    def seen(nd):
        while time.monotonic() < end:
            if answer_via(nd.route_port, host) == target:
                return (time.monotonic() - t0) * 1000
            time.sleep(0.002)
        return None

    return {i: ms for i, ms in on_every_node(nodes, seen).items() if ms is not None}


def summary(samples):
    return {"change_n": len(samples), "change_p50_ms": round(pct(samples, 50) or 0, 1),
            "change_p99_ms": round(pct(samples, 99) or 0, 1), "change_max_ms": round(max(samples, default=0), 1)}


# ---- one size

def run_fleet_size(args, n, ports, out):
    r = {"routes": n, "envs": (n + 99) // 100, "nodes": args.nodes, "loadavg_start": loadavg()}
    work = tempfile.mkdtemp(prefix="ghost-scale-fleet-")
    cp, nodes = None, []
    try:
        cp_port = free_port()
        cp_log = os.path.join(out, f"fleet-{n}-cp.log")
        cp = start([sys.executable, os.path.join(HERE, "scalecp.py"), "--routes", str(n), "--listen-port",
                    str(cp_port), "--backend-port", str(ports["A"]), "--org", scale.ORG, "--token", scale.TOKEN],
                   None, cp_log)
        if not scale.wait_for(lambda: "listening" in open(cp_log).read() or cp.poll() is not None, args.deadline) \
                or cp.poll() is not None:
            r["not_finished"] = "the control plane did not start"
            return r
        secret = write_secret(work)
        nodes = [Node(i, work, out, n) for i in range(args.nodes)]
        members = ",".join(f"127.0.0.1:{nd.cluster_port}" for nd in nodes)
        name = f"ghost-scale-{os.getpid()}-{n}"  # only this run's members join
        # three JVMs starting at once on a busy 2-core machine can take longer than the node's own 45 s to join:
        # allow as long as the bench waits (docs/clustering.md, ghost.cluster.join_deadline_seconds)
        join = f"-Dghost.cluster.join_deadline_seconds={int(max(45, args.deadline))}"
        opts = [*scale.JAVA_OPTS, *CLUSTER_JAVA_OPTS, join]
        t0 = time.monotonic()
        for nd in nodes:
            jfr = ["-XX:StartFlightRecording=settings=profile"] if args.jfr else []
            nd.proc = start(["java", *opts, scale.gc_log_opt(nd.log), *jfr, "-jar", args.jar],
                            nd.env(cp_port, name, members, secret, args.polling), nd.log)
        if await_served(nodes, n - 1, args.deadline, t0):
            r["leader"], r["members"] = fleet_view(nodes)
            r["cp_requests_at_served"] = json.loads(get(f"http://127.0.0.1:{cp_port}/bench/stats"))
            measure(args, n, cp_port, nodes, ports, r)
        else:
            r["not_finished"] = "not served by " + ", ".join(nd.node_id for nd in nodes if "not_finished" in nd.r)
    finally:
        for nd in nodes:
            if args.jfr:
                scale.dump_jfr(nd.proc, os.path.join(out, f"fleet-{n}-node-{nd.i}.jfr"))
        for nd in nodes:
            if nd.proc is not None:
                nd.proc.send_signal(signal.SIGTERM)  # all at once: they leave the cluster in parallel
        for nd in nodes:
            if nd.proc is not None:
                scale.stop(nd.proc)
        if cp is not None:
            scale.stop(cp)
        for nd in nodes:
            nd.r["blocked_warnings"], nd.r["blocked_max_ms"] = scale.blocked_warnings(nd.log)
            nd.r["state_file_bytes"] = os.path.getsize(nd.state) if os.path.exists(nd.state) else None
        shutil.rmtree(work, ignore_errors=True)
    r["per_node"] = [nd.r for nd in nodes]
    r["loadavg_end"] = loadavg()
    return r


def loadavg():
    """The machine's 1-minute load average: on a shared machine, how much the figures are to be trusted."""
    return float(open("/proc/loadavg").read().split()[0])


def measure(args, n, cp_port, nodes, ports, r):
    time.sleep(args.settle)  # let the start-up work settle before the idle figures
    hz_ports = [nd.cluster_port for nd in nodes] + [nd.bus_port for nd in nodes]
    for nd in nodes:
        nd.r["lag_max_start_ms"] = round(1000 * (nd.metric("ghost_event_loop_lag_max_seconds") or 0), 1)
        causes = scale.stall_causes(nd.admin)
        nd.r["stalls_start"], nd.r["stall_causes_start"] = sum(causes.values()), scale.causes_text(causes)
    c0 = {nd.i: scale.cpu_seconds(nd.proc.pid) for nd in nodes}
    b0, w0 = wire_bytes(hz_ports), time.monotonic()
    time.sleep(5)
    idle_rate = (wire_bytes(hz_ports) - b0) / (time.monotonic() - w0)
    r["wire_idle_bytes_per_s"] = round(idle_rate)
    for nd in nodes:
        nd.r["idle_cpu_pct"] = round(100 * (scale.cpu_seconds(nd.proc.pid) - c0[nd.i]) / 5, 1)
        nd.r["rss_settled_mib"] = round(proc_status(nd.proc.pid, "VmRSS") / 2**20, 1)
        heap = scale.heap_used_after_gc(nd.proc.pid)
        if heap:
            nd.r["heap_after_gc_mib"] = round(heap / 2**20, 1)
            nd.r["heap_per_route_bytes"] = round(heap / n)
        nd.r["causes0"] = scale.stall_causes(nd.admin)
    logs0 = {nd.i: os.path.getsize(nd.log) for nd in nodes}
    u0 = {nd.i: scale.vm_uptime(nd.proc.pid) for nd in nodes}
    per_node, lost, fleet, wire = changes(args, n, cp_port, nodes, ports, idle_rate, hz_ports)
    r.update(wire)
    r.update({"fleet_" + k: v for k, v in summary(fleet).items()})
    for nd in nodes:
        nd.r.update(summary(per_node[nd.i]))
        nd.r["change_failed"] = lost[nd.i]
        causes, causes0 = scale.stall_causes(nd.admin), nd.r.pop("causes0")
        nd.r["stalls_changes"] = sum(causes.values()) - sum(causes0.values())
        nd.r["stall_causes_changes"] = scale.causes_text(causes, causes0)
        nd.r["lag_max_ms"] = round(1000 * (nd.metric("ghost_event_loop_lag_max_seconds") or 0), 1)
        scale.gc_figures(scale.gc_pauses(nd.log, 0, u0[nd.i]), "start", nd.r)
        scale.gc_figures(scale.gc_pauses(nd.log, u0[nd.i], scale.vm_uptime(nd.proc.pid)), "changes", nd.r)
        nd.r["rss_peak_mib"] = round(proc_status(nd.proc.pid, "VmHWM") / 2**20, 1)
        nd.r["bases_written"] = count_lines(nd.log, logs0[nd.i], b"fleet: base snapshot written")
        nd.r["deltas_applied"] = count_lines(nd.log, logs0[nd.i], b"fleet: cluster delta applied")
        nd.r["snapshots_applied"] = count_lines(nd.log, logs0[nd.i], b"fleet: cluster snapshot applied")
        nd.r["role"] = "leader" if nd.node_id == r.get("leader") else "follower"
    r["cp_requests"] = json.loads(get(f"http://127.0.0.1:{cp_port}/bench/stats"))


# ---- output

NODE_COLUMNS = [("cp_readyz_s", "ready (readyz) s"), ("cp_served_s", "ready (served) s"),
                ("rss_peak_mib", "peak RSS MiB"), ("rss_settled_mib", "settled RSS MiB"),
                ("heap_per_route_bytes", "heap/route B"), ("idle_cpu_pct", "idle CPU %"),
                ("lag_max_ms", "max loop lag ms"), ("stalls_start", "stalls ≥50ms (start)"),
                ("stall_causes_start", "stall causes (start)"), ("stalls_changes", "stalls (changes)"),
                ("stall_causes_changes", "stall causes (changes)"), ("gc_pauses_50ms_start", "GC pauses ≥50ms (start)"),
                ("gc_pauses_50ms_changes", "GC pauses ≥50ms (changes)"),
                ("gc_pause_max_changes_ms", "longest GC pause (changes) ms"), ("blocked_max_ms", "Vert.x blocked max ms"),
                ("state_file_bytes", "state file B"), ("change_p50_ms", "change→traffic p50 ms"),
                ("change_p99_ms", "p99 ms"), ("change_failed", "changes lost"),
                ("deltas_applied", "deltas applied"), ("snapshots_applied", "snapshots applied"),
                ("bases_written", "bases written")]
FLEET_COLUMNS = [("routes", "N"), ("leader", "leader"), ("fleet_change_p50_ms", "all nodes: change→traffic p50 ms"),
                 ("fleet_change_p99_ms", "p99 ms"), ("fleet_change_n", "changes seen everywhere"),
                 ("wire_bytes_per_change_p50", "wire B/change p50"), ("wire_bytes_per_change_p99", "p99"),
                 ("wire_bytes_per_change_all", "wire B/change, whole phase"),
                 ("wire_idle_bytes_per_s", "idle wire B/s"), ("loadavg_start", "load before"),
                 ("loadavg_end", "load after")]


def table(results):
    lines = ["| N | node | " + " | ".join(h for _, h in NODE_COLUMNS) + " | not finished |",
             "|" + "---|" * (len(NODE_COLUMNS) + 3)]
    for r in results:
        for nd in r.get("per_node", []):
            name = nd["node"] + (" (leader)" if nd.get("role") == "leader" else "")
            lines.append(f"| {r['routes']} | {name} | " + " | ".join(str(nd.get(k, "–")) for k, _ in NODE_COLUMNS)
                         + " | " + nd.get("not_finished", "") + " |")
    lines += ["", "| " + " | ".join(h for _, h in FLEET_COLUMNS) + " | not finished |",
              "|" + "---|" * (len(FLEET_COLUMNS) + 1)]
    for r in results:
        lines.append("| " + " | ".join(str(r.get(k, "–")) for k, _ in FLEET_COLUMNS) + " | "
                     + r.get("not_finished", "") + " |")
    return "\n".join(lines)


def main():
    args = scale.parser().parse_args()
    if args.nodes < 2:
        raise SystemExit("scalefleet.py is the fleet mode: --nodes 2..5 (bench/scale.py runs one node)")
    if args.file_only:
        raise SystemExit("--file-only is a one-node figure: run it without --nodes")
    if args.changes < 1:
        raise SystemExit("--changes: at least 1 in fleet mode")
    os.makedirs(args.out, exist_ok=True)
    sizes = [int(x) for x in args.sizes.split(",") if args.max is None or int(x) <= args.max]
    ports = {"A": scale.backend_pair(b"A\n"), "B": scale.backend_pair(b"B\n")}
    results = {"machine": scale.machine(), "mode": f"fleet of {args.nodes}",
               "sync": "poll 1s" if args.polling else "stream", "sizes": []}
    for n in sizes:
        r = run_fleet_size(args, n, ports, args.out)
        print(json.dumps(r), flush=True)
        results["sizes"].append(r)
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    print(table(results["sizes"]))
    print(json.dumps(results["machine"]))


def terminate(signum, frame):
    raise SystemExit(128 + signum)  # run the finally blocks: every process is stopped


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    try:
        main()
    finally:
        scale.stop_all()
