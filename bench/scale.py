#!/usr/bin/env python3
"""Scale bench (issue 11): one node synced from a control plane serving N routes, for N in --sizes.

    bench/scale.py [--sizes 100,1000,10000,100000] [--max N] [--changes 50] [--jfr] [--out DIR]
    bench/scale.py --nodes 3 ...     the same sizes on a clustered fleet of 3 nodes (bench/scalefleet.py)

Per N: a generated control plane (bench/scalecp.py: N routes over N/100 envs, 2 ready instances each) and one node
(the jar, SerialGC, streaming sync, poll_interval 1s). It measures:
- ready from the control plane: start -> /readyz 200, and start -> the last route answers through the node;
- peak RSS (VmHWM) and settled RSS (10 s after served), heap used after a full GC (jcmd GC.run + GC.heap_info)
  per route, idle CPU over 5 s;
- the longest event-loop stall: ghost_event_loop_lag_max_seconds and ghost_event_loop_stalls_total (>= 50 ms)
  from /metrics, plus Vert.x blocked-thread warnings in the node's log;
- state-file bytes; over the change phase, the node's CPU seconds (/proc/PID/stat), its bytes written to storage
  (/proc/PID/io write_bytes: state file and log) and the state file's own bytes
  (ghost_state_file_written_bytes_total, base and journal), each per change;
- route change -> traffic: --changes changes (a random route's backend_port toggled between two backend ports,
  each after a random 0..200 ms pause); per change, from the control plane accepting the change to the first new
  TCP connection through the node (a real ClientHello with the route's SNI) answered by the new backend;
- ready from the state file: the node restarted on its state file with the control plane stopped -> /readyz 200
  and -> the last route answers (done whenever the first run wrote a state file, even if it never got served).
Backends are four tiny listeners (127.0.0.2/.3 x ports A/B) that answer "A" or "B"; instances are IPv4-mapped
(::ffff:127.0.0.2/128). Loopback only; every step has a deadline (--deadline per wait); every process started is
stopped at exit. Output: a Markdown table on stdout, $OUT/results.json, the logs.
"""
import argparse
import json
import os
import platform
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ghostnode import JAVA_OPTS  # noqa: E402

ORG, TOKEN = "org_01JFW0000000000000000000", "bench-token"
procs = []


def free_port(host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# ---- backends: answer their own id, then close

def serve(sock, answer):
    while True:
        try:
            c, _ = sock.accept()
        except OSError:
            return
        try:
            c.settimeout(2)
            c.recv(4096)  # the ClientHello (a health probe sends nothing and closes)
            c.sendall(answer)
        except OSError:
            pass
        finally:
            c.close()


def backend_pair(answer):
    """One port on 127.0.0.2 and 127.0.0.3 (both instances of every env) answering `answer`."""
    for _ in range(50):
        a = socket.socket()
        a.bind(("127.0.0.2", 0))
        port = a.getsockname()[1]
        b = socket.socket()
        try:
            b.bind(("127.0.0.3", port))
        except OSError:
            a.close()
            b.close()
            continue
        for s in (a, b):
            s.listen(1024)
            threading.Thread(target=serve, args=(s, answer), daemon=True).start()
        return port
    raise SystemExit("no port free on both 127.0.0.2 and 127.0.0.3")


# ---- a real ClientHello for a name, and one connection through the node

HELLOS = {}


def hello(host):
    if host not in HELLOS:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(inb, outb, server_hostname=host)
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        HELLOS[host] = outb.read()
    return HELLOS[host]


def answer_via(node_port, host):
    try:
        with socket.create_connection(("::1", node_port), timeout=2) as s:
            s.sendall(hello(host))
            data = b""
            while True:
                chunk = s.recv(64)
                if not chunk:
                    break
                data += chunk
            return data.decode().strip()
    except OSError:
        return None


def host_of(i):
    return f"r{i:08d}.e{i // 100:06d}.scale.test"


def rid_of(i):
    return f"rt_{i:08d}"


# ---- processes

def start(cmd, env, log):
    f = open(log, "w")
    p = subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.PIPE)
    procs.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def dump_jfr(node, jfr):
    """Dumps the recording while the node runs (a node stopped by SIGTERM may leave an empty file)."""
    if jfr and node.poll() is None:
        subprocess.run(["jcmd", str(node.pid), "JFR.dump", f"filename={jfr}"], capture_output=True, timeout=120)


def stop_all():
    for p in procs:
        stop(p)


def wait_for(cond, deadline_s, step=0.02):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return None


def get(url, timeout=5, data=None):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read().decode()


def ready(admin):
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{admin}/readyz", timeout=1).status == 200
    except OSError:
        return False


def proc_status(pid, key):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def heap_used_after_gc(pid):
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=60)
    out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=60).stdout
    # SerialGC: "def new generation total 4800K, used 512K" + "tenured generation total 10944K, used 9876K"
    used = sum(int(x) for x in re.findall(r"generation\s+total \d+K, used (\d+)K", out))
    return used * 1024 if used else None


def metric(admin, name):
    text = get(f"http://127.0.0.1:{admin}/metrics", timeout=30)
    m = re.search(rf"^{name}(?:{{[^}}]*}})? ([0-9.eE+-]+)$", text, re.M)
    return float(m.group(1)) if m else None


def metric_sum(admin, name):
    """The sum of every series of a metric (all label values), or None when the node does not export it."""
    text = get(f"http://127.0.0.1:{admin}/metrics", timeout=30)
    values = re.findall(rf"^{name}(?:{{[^}}]*}})? ([0-9.eE+-]+)$", text, re.M)
    return sum(float(v) for v in values) if values else None


STALL_CAUSES = ("work", "cpu_wait", "paused", "unknown")  # observe.StallCause's labels


def stall_causes(admin):
    """Stalls since start by cause (every phase), from one scrape: {"work": n, "cpu_wait": n, ...}; their sum is the
    stall count."""
    text = get(f"http://127.0.0.1:{admin}/metrics", timeout=30)
    counts = dict.fromkeys(STALL_CAUSES, 0)
    for labels, value in re.findall(r"^ghost_event_loop_stalls_total(?:\{([^}]*)\})? ([0-9.eE+-]+)$", text, re.M):
        cause = re.search(r'cause="([^"]*)"', labels or "")
        name = cause.group(1) if cause else "unknown"  # a node older than the cause label
        counts[name] = counts.get(name, 0) + int(float(value))
    return counts


def causes_text(counts, before=None):
    """The nonzero causes as "work 2, cpu_wait 14" (less those of before), "-" for none."""
    parts = [f"{c} {n - (before or {}).get(c, 0)}" for c, n in counts.items() if n - (before or {}).get(c, 0)]
    return ", ".join(parts) or "-"


def io_write_bytes(pid):
    """Bytes the process caused to be written to storage (/proc/PID/io write_bytes): state file and log."""
    for line in open(f"/proc/{pid}/io"):
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return None


def blocked_warnings(log):
    ms = [int(x) for x in re.findall(r"has been blocked for (\d+) ms", open(log).read())]
    return len(ms), max(ms, default=0)


def pct(s, p):
    s = sorted(s)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))] if s else None


# ---- one size

def node_env(cp_port, node_port, admin, state, polling=False):
    """The node's settings; polling=True turns the event stream off, so changes arrive by the 1 s poll alone."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GHOST_")}
    return dict(base, GHOST_CONTROL_PLANE_URL=f"http://127.0.0.1:{cp_port}", GHOST_API_TOKEN=TOKEN,
                GHOST_ORG_ID=ORG, GHOST_LISTEN_ADDR_IPV6="[::1]:443", GHOST_PORT_MAP=f"443={node_port}",
                GHOST_ADMIN_ADDR=f"127.0.0.1:{admin}", GHOST_STATE_FILE=state, GHOST_ACCESS_LOG="false",
                GHOST_SYNC_POLL_INTERVAL="1s", GHOST_SYNC_STREAM="false" if polling else "true")


def gc_log_opt(log):
    """The flag that logs every collection with the JVM's uptime beside the node's log (read by gc_pauses)."""
    return f"-Xlog:gc:file={log}.gc:uptime"


def vm_uptime(pid):
    """The JVM's uptime in seconds (the GC log's clock), via jcmd; None when it does not answer."""
    out = subprocess.run(["jcmd", str(pid), "VM.uptime"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"^([0-9.]+) s$", out, re.M)
    return float(m.group(1)) if m else None


def gc_pauses(log, since=0.0, until=float("inf")):
    """Pause times in ms of the collections logged between two uptimes, the bench's own (jcmd GC.run) left out."""
    try:
        text = open(log + ".gc").read()
    except OSError:
        return []
    return [float(ms) for at, cause, ms in
            re.findall(r"^\[([0-9.]+)s\] GC\(\d+\) Pause \w+ \(([^)]*)\).* ([0-9.]+)ms$", text, re.M)
            if since <= float(at) <= until and cause != "Diagnostic Command"]


def gc_figures(pauses, key, r):
    """Collections ≥ 50 ms (what the event-loop stall counter would also see) and the longest, into r; with all
    collections (count and total ms) too."""
    r[f"gc_pauses_50ms_{key}"] = sum(1 for ms in pauses if ms >= 50)
    r[f"gc_pause_max_{key}_ms"] = round(max(pauses, default=0), 1)
    r[f"gc_n_{key}"] = len(pauses)
    r[f"gc_total_{key}_ms"] = round(sum(pauses), 1)


def start_node(args, env, log, jfr=None):
    opts = [*JAVA_OPTS, gc_log_opt(log)]
    if jfr:
        opts.append("-XX:StartFlightRecording=settings=profile")
    return start(["java", *opts, "-jar", args.jar], env, log)


def time_to_ready(node, admin, node_port, last, deadline, r, key, expect="A"):
    t0 = time.monotonic()
    ok = wait_for(lambda: ready(admin) or node.poll() is not None, deadline)
    if not ok or node.poll() is not None:
        r[key] = "did not finish"
        return False
    r[key + "_readyz_s"] = round(time.monotonic() - t0, 2)
    r[key + "_cpu_s"] = round(cpu_seconds(node.pid), 2)  # the node's CPU to ready: less load-bound than the wall
    ok = wait_for(lambda: answer_via(node_port, host_of(last)) == expect, deadline, 0.05)
    if not ok:
        r[key] = "readyz but the last route never answered"
        return False
    r[key + "_served_s"] = round(time.monotonic() - t0, 2)
    return True


def run_size(args, n, ports, out):
    r = {"routes": n, "envs": (n + 99) // 100}
    cp_port, node_port, admin = free_port(), free_port("::1"), free_port()
    state = os.path.join(out, f"state-{n}.json")
    cp = start([sys.executable, os.path.join(HERE, "scalecp.py"), "--routes", str(n), "--listen-port",
                str(cp_port), "--backend-port", str(ports["A"]), "--org", ORG, "--token", TOKEN], None,
               os.path.join(out, f"cp-{n}.log"))
    if not wait_for(lambda: "listening" in open(os.path.join(out, f"cp-{n}.log")).read(), args.deadline):
        raise SystemExit(f"control plane for {n} did not start")
    env = node_env(cp_port, node_port, admin, state, args.polling)
    log = os.path.join(out, f"node-{n}.log")
    jfr = os.path.join(out, f"node-{n}.jfr") if args.jfr else None
    node = start_node(args, env, log, jfr)
    try:
        if time_to_ready(node, admin, node_port, n - 1, args.deadline, r, "cp"):
            measure_synced(args, n, node, log, admin, cp_port, node_port, ports, state, r)
    finally:
        dump_jfr(node, jfr)
        stop(node)
        stop(cp)
        r["blocked_warnings"], r["blocked_max_ms"] = blocked_warnings(log)
    r["state_file_bytes"] = os.path.getsize(state) if os.path.exists(state) else None
    if r["state_file_bytes"]:
        # restart on the state file with the control plane down: the last-known-good path alone
        expect = ROUTE_PORT.get(n - 1, "A")
        node = start_node(args, env, os.path.join(out, f"node-{n}-restart.log"))
        try:
            if time_to_ready(node, admin, node_port, n - 1, args.deadline, r, "file", expect):
                r["file_rss_peak_mib"] = round(proc_status(node.pid, "VmHWM") / 2**20, 1)
                r["file_lag_max_ms"] = round(1000 * (metric(admin, "ghost_event_loop_lag_max_seconds") or 0), 1)
                causes = stall_causes(admin)
                r["file_stalls"], r["file_stall_causes"] = sum(causes.values()), causes_text(causes)
        finally:
            stop(node)
    ROUTE_PORT.clear()
    return r


def measure_synced(args, n, node, log, admin, cp_port, node_port, ports, state, r):
    r["cp_requests_at_served"] = json.loads(get(f"http://127.0.0.1:{cp_port}/bench/stats"))
    time.sleep(args.settle)  # let the start-up work settle before the idle figures
    r["lag_max_start_ms"] = round(1000 * (metric(admin, "ghost_event_loop_lag_max_seconds") or 0), 1)
    causes = stall_causes(admin)
    r["stalls_start"], r["stall_causes_start"] = sum(causes.values()), causes_text(causes)
    c0 = cpu_seconds(node.pid)
    time.sleep(5)
    r["idle_cpu_pct"] = round(100 * (cpu_seconds(node.pid) - c0) / 5, 1)
    r["rss_settled_mib"] = round(proc_status(node.pid, "VmRSS") / 2**20, 1)
    heap = heap_used_after_gc(node.pid)
    if heap:
        r["heap_after_gc_mib"] = round(heap / 2**20, 1)
        r["heap_per_route_bytes"] = round(heap / n)
    causes0 = stall_causes(admin)
    u0 = vm_uptime(node.pid)
    cpu0, io0 = cpu_seconds(node.pid), io_write_bytes(node.pid)
    written0 = metric_sum(admin, "ghost_state_file_written_bytes_total")
    r.update(changes(args, n, cp_port, node_port, ports))
    made = r["change_n"] + r["change_failed"] + 3  # the warm-up changes too
    r["changes_cpu_s"] = round(cpu_seconds(node.pid) - cpu0, 2)
    r["io_write_bytes_per_change"] = round((io_write_bytes(node.pid) - io0) / made)
    written = metric_sum(admin, "ghost_state_file_written_bytes_total")
    if written0 is not None and written is not None:
        r["state_file_bytes_per_change"] = round((written - written0) / made)
    causes = stall_causes(admin)
    r["stalls_changes"] = sum(causes.values()) - sum(causes0.values())
    r["stall_causes_changes"] = causes_text(causes, causes0)
    gc_figures(gc_pauses(log, 0, u0), "start", r)
    gc_figures(gc_pauses(log, u0, vm_uptime(node.pid)), "changes", r)
    r["lag_max_ms"] = round(1000 * (metric(admin, "ghost_event_loop_lag_max_seconds") or 0), 1)
    r["rss_peak_mib"] = round(proc_status(node.pid, "VmHWM") / 2**20, 1)
    r["cp_requests"] = json.loads(get(f"http://127.0.0.1:{cp_port}/bench/stats"))


def run_file_only(args, n, ports, out):
    """Only the start from a state file, written by a helper main (no control plane runs; its URL is dead)."""
    r = {"routes": n, "envs": (n + 99) // 100, "mode": "file-only"}
    node_port, admin = free_port("::1"), free_port()
    state = os.path.join(out, f"state-{n}.json")
    here = os.path.join(HERE, "..")
    subprocess.run(["java", "-cp", f"{args.jar}:{here}/target/test-classes", "dev.ghost.ingress.sync.ScaleStateFile",
                    state, str(n), str(ports["A"])], check=True, timeout=600)
    r["state_file_bytes"] = os.path.getsize(state)
    log = os.path.join(out, f"node-{n}-file.log")
    jfr = os.path.join(out, f"node-{n}-file.jfr") if args.jfr else None
    node = start_node(args, node_env(free_port(), node_port, admin, state), log, jfr)
    try:
        if time_to_ready(node, admin, node_port, n - 1, args.deadline, r, "file"):
            r["file_rss_peak_mib"] = round(proc_status(node.pid, "VmHWM") / 2**20, 1)
            r["file_lag_max_ms"] = round(1000 * (metric(admin, "ghost_event_loop_lag_max_seconds") or 0), 1)
            causes = stall_causes(admin)
            r["file_stalls"], r["file_stall_causes"] = sum(causes.values()), causes_text(causes)
            gc_figures(gc_pauses(log, 0, vm_uptime(node.pid)), "file", r)
            time.sleep(args.settle)
            r["rss_settled_mib"] = round(proc_status(node.pid, "VmRSS") / 2**20, 1)
            heap = heap_used_after_gc(node.pid)
            if heap:
                r["heap_after_gc_mib"] = round(heap / 2**20, 1)
                r["heap_per_route_bytes"] = round(heap / n)
            r["rss_peak_mib"] = round(proc_status(node.pid, "VmHWM") / 2**20, 1)
    finally:
        dump_jfr(node, jfr)
        stop(node)
        r["blocked_warnings"], r["blocked_max_ms"] = blocked_warnings(log)
    return r


ROUTE_PORT = {}


def changes(args, n, cp_port, node_port, ports):
    samples, failed = [], 0
    rnd = random.Random(n)
    for k in range(args.changes + 3):
        i = rnd.randrange(n)
        target = "B" if ROUTE_PORT.get(i, "A") == "A" else "A"
        time.sleep(rnd.uniform(0, 0.2))
        t0 = time.monotonic()
        get(f"http://127.0.0.1:{cp_port}/bench/routes/{rid_of(i)}?backend_port={ports[target]}", data=b"")
        ROUTE_PORT[i] = target
        ok = wait_for(lambda: answer_via(node_port, host_of(i)) == target, 30, 0.002)
        dt = (time.monotonic() - t0) * 1000
        if k < 3:
            continue  # warm-up
        if ok:
            samples.append(dt)
        else:
            failed += 1
    return {"change_n": len(samples), "change_failed": failed, "change_p50_ms": round(pct(samples, 50) or 0, 1),
            "change_p99_ms": round(pct(samples, 99) or 0, 1), "change_max_ms": round(max(samples, default=0), 1)}


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return {"cpus": os.cpu_count(), "cpu": cpu, "mem_gib": round(os.sysconf("SC_PAGE_SIZE")
            * os.sysconf("SC_PHYS_PAGES") / 2**30, 1), "kernel": platform.release(), "java": java,
            "loadavg": open("/proc/loadavg").read().split()[:3], "java_opts": " ".join(JAVA_OPTS)}


COLUMNS = [("routes", "N"), ("cp_readyz_s", "ready CP (readyz) s"), ("cp_served_s", "ready CP (served) s"),
           ("file_readyz_s", "ready file (readyz) s"), ("file_served_s", "ready file (served) s"),
           ("rss_peak_mib", "peak RSS MiB"), ("rss_settled_mib", "settled RSS MiB"),
           ("heap_per_route_bytes", "heap/route B"), ("idle_cpu_pct", "idle CPU %"),
           ("lag_max_ms", "max loop lag ms"), ("stalls_start", "stalls ≥50ms (start)"),
           ("stall_causes_start", "stall causes (start)"), ("stalls_changes", "stalls (changes)"),
           ("stall_causes_changes", "stall causes (changes)"), ("gc_pauses_50ms_start", "GC pauses ≥50ms (start)"),
           ("gc_pauses_50ms_changes", "GC pauses ≥50ms (changes)"),
           ("gc_pause_max_changes_ms", "longest GC pause (changes) ms"), ("file_lag_max_ms", "max lag (file start) ms"),
           ("file_stalls", "stalls (file start)"), ("file_stall_causes", "stall causes (file start)"),
           ("file_cpu_s", "CPU s to ready (file)"), ("gc_pauses_50ms_file", "GC pauses ≥50ms (file start)"),
           ("gc_n_file", "GCs (file start)"), ("gc_total_file_ms", "GC ms (file start)"),
           ("blocked_max_ms", "Vert.x blocked max ms"),
           ("state_file_bytes", "state file B"), ("changes_cpu_s", "CPU s (changes)"),
           ("state_file_bytes_per_change", "state file B/change"), ("io_write_bytes_per_change", "disk B/change"),
           ("change_p50_ms", "change→traffic p50 ms"),
           ("change_p99_ms", "p99 ms"), ("change_failed", "changes lost")]


def parser():
    """The command line of both modes (bench/scalefleet.py reads the same one)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000,100000")
    ap.add_argument("--max", type=int, default=None, help="skip sizes above this")
    ap.add_argument("--changes", type=int, default=50)
    ap.add_argument("--polling", action="store_true", help="the node polls every 1 s instead of reading the stream")
    ap.add_argument("--deadline", type=float, default=180, help="seconds per wait (ready, served)")
    ap.add_argument("--settle", type=float, default=10)
    ap.add_argument("--file-only", action="store_true",
                    help="only the start from a generated state file (needs target/test-classes)")
    ap.add_argument("--jfr", action="store_true", help="record a JFR profile of each first node run (and --file-only)")
    ap.add_argument("--jar", default=os.path.join(HERE, "..", "target", "ingress.jar"))
    ap.add_argument("--out", default=os.path.join(HERE, "out", "scale-" + time.strftime("%Y%m%dT%H%M%SZ",
                                                                                        time.gmtime())))
    ap.add_argument("--nodes", type=int, default=1, choices=range(1, 6), metavar="{1..5}",
                    help="1: one node (this script); more: a clustered fleet on loopback (bench/scalefleet.py)")
    return ap


def main():
    args = parser().parse_args()
    if args.nodes > 1:  # the fleet mode lives in its own script; nothing has started yet
        os.execv(sys.executable, [sys.executable, os.path.join(HERE, "scalefleet.py"), *sys.argv[1:]])
    os.makedirs(args.out, exist_ok=True)
    sizes = [int(x) for x in args.sizes.split(",") if args.max is None or int(x) <= args.max]
    ports = {"A": backend_pair(b"A\n"), "B": backend_pair(b"B\n")}
    results = {"machine": machine(), "sync": "poll 1s" if args.polling else "stream", "sizes": []}
    for n in sizes:
        r = (run_file_only if args.file_only else run_size)(args, n, ports, args.out)
        print(json.dumps(r), flush=True)
        results["sizes"].append(r)
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    print("| " + " | ".join(h for _, h in COLUMNS) + " | not finished |")
    print("|" + "---|" * (len(COLUMNS) + 1))
    for r in results["sizes"]:
        print("| " + " | ".join(str(r.get(k, "–")) for k, _ in COLUMNS) + " | " + r.get("cp", "") + " "
              + r.get("file", "") + " |")
    print(json.dumps(results["machine"]))


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
