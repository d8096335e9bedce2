#!/usr/bin/env python3
"""Control-plane sync latency driver (see bench/sync-latency.sh).

Starts two TLS backends on [::1] (test certificates of tenant-a and tenant-b), the dev control plane (jar
subcommand) and one ingress node (jar) synced from it, then makes N route changes by rewriting the dev control
plane's state file (write to a temp file + rename), toggling the route's backend_port between the two backends.
Before each change it pauses a random 0..JITTER_MS. For each change it measures: file renamed -> a new TLS connection through the ingress (SNI myapp.example.com)
sees the new backend's certificate. Loopback only; every process it starts is stopped at exit.
"""
import json, os, random, signal, socket, ssl, statistics, subprocess, sys, threading, time, urllib.request

ROOT, JAR, TLS, OUT, MODE, N = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
POLL = os.environ.get("POLL_INTERVAL", "1s")
SCAN = os.environ.get("SCAN", "50ms")
# A random pause (0..JITTER_MS) before each change, so changes land at random phases of the poll / stream cycles;
# back to back (0) they lock onto the poll: each change is written just after the poll that showed the previous one
JITTER_MS = float(os.environ.get("JITTER_MS", "200" if MODE == "streaming" else "1000"))
ORG, TOKEN, HOST = "org_01JFW0000000000000000000", "bench-token", "myapp.example.com"
procs = []


def free_port(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def backend(cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{TLS}/{cert}.pem", f"{TLS}/{cert}-key.pem")
    srv = socket.socket(socket.AF_INET6)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("::1", 0))
    srv.listen(128)

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=handshake, args=(ctx, c), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def handshake(ctx, c):
    try:
        c.settimeout(5)
        t = ctx.wrap_socket(c, server_side=True)
        t.recv(1)
        t.close()
    except (OSError, ssl.SSLError):
        c.close()


CLIENT = ssl.create_default_context(cafile=f"{TLS}/ca.pem")
CLIENT.check_hostname = False


def seen_cn(port):
    try:
        with socket.create_connection(("::1", port), timeout=2) as s:
            with CLIENT.wrap_socket(s, server_hostname=HOST) as t:
                return dict(x[0] for x in t.getpeercert()["subject"])["commonName"]
    except (OSError, ssl.SSLError, KeyError):
        return None


def state(backend_port):
    return f'''org = "{ORG}"
token = "{TOKEN}"

[[env]]
id = "env_1"
app = "app_1"

[[instance]]
id = "inst_1"
env = "env_1"
overlay_ipv6 = "::1"

[[route]]
id = "rt_bench"
env = "env_1"
hostname = "{HOST}"
listen_port = 443
protocol = "tls_passthrough"
backend_port = {backend_port}
'''


def write_state(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def start(cmd, env, log):
    f = open(log, "w")
    p = subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    procs.append(p)
    return p


def stop_all():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_for(what, cond, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.01)
    raise SystemExit(f"timed out waiting for {what}")


def main():
    os.makedirs(OUT, exist_ok=True)
    ports = {"tenant-a.example.com": backend("tenant-a.example.com"),
             "tenant-b.example.com": backend("tenant-b.example.com")}
    names = list(ports)
    cp_state = os.path.join(OUT, f"cp-{MODE}.toml")
    for f in (cp_state + ".events.jsonl",):
        if os.path.exists(f):
            os.remove(f)
    write_state(cp_state, state(ports[names[0]]))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GHOST_")}
    cp_port = free_port("127.0.0.1")
    start(["java", "-jar", JAR, "dev-control-plane", "--state", cp_state, "--listen", f"127.0.0.1:{cp_port}",
           "--scan", SCAN], base_env, os.path.join(OUT, f"cp-{MODE}.log"))
    wait_for("dev control plane", lambda: "listening" in open(os.path.join(OUT, f"cp-{MODE}.log")).read())
    node_port, admin_port = free_port("::1"), free_port("127.0.0.1")
    env = dict(base_env, GHOST_CONTROL_PLANE_URL=f"http://127.0.0.1:{cp_port}", GHOST_API_TOKEN=TOKEN,
               GHOST_ORG_ID=ORG, GHOST_LISTEN_ADDR_IPV6="[::1]:443", GHOST_PORT_MAP=f"443={node_port}",
               GHOST_ADMIN_ADDR=f"127.0.0.1:{admin_port}", GHOST_STATE_FILE=os.path.join(OUT, f"node-{MODE}.json"),
               GHOST_SYNC_STREAM="true" if MODE == "streaming" else "false", GHOST_SYNC_POLL_INTERVAL=POLL,
               GHOST_ACCESS_LOG="false")
    if os.path.exists(env["GHOST_STATE_FILE"]):
        os.remove(env["GHOST_STATE_FILE"])
    start(["java", "-Xms256m", "-Xmx256m", "-jar", JAR], env, os.path.join(OUT, f"node-{MODE}.log"))

    def ready():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/readyz", timeout=1).status == 200
        except OSError:
            return False

    wait_for("node ready", ready)
    wait_for("first backend in traffic", lambda: seen_cn(node_port) == names[0])
    # warm-up: a few changes not measured (JIT, first connections)
    samples = []
    for i in range(N + 5):
        target = names[(i + 1) % 2]
        time.sleep(random.uniform(0, JITTER_MS / 1000))
        t0 = time.monotonic()
        write_state(cp_state, state(ports[target]))
        wait_for(f"change {i} in traffic", lambda: seen_cn(node_port) == target, timeout=30)
        dt = (time.monotonic() - t0) * 1000
        if i >= 5:
            samples.append(dt)
    with open(os.path.join(OUT, f"sync-latency-{MODE}.tsv"), "w") as f:
        f.write("change\tms\n")
        for i, v in enumerate(samples):
            f.write(f"{i}\t{v:.1f}\n")
    s = sorted(samples)

    def pct(p):
        return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]

    print(json.dumps({"mode": MODE, "n": len(s), "p50_ms": round(pct(50), 1), "p99_ms": round(pct(99), 1),
                      "min_ms": round(s[0], 1), "max_ms": round(s[-1], 1),
                      "mean_ms": round(statistics.mean(s), 1), "poll_interval": POLL, "scan": SCAN, "jitter_ms": JITTER_MS}))


try:
    main()
finally:
    stop_all()
