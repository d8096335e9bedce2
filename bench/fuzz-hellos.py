#!/usr/bin/env python3
"""Socket-level ClientHello fuzzer: sends mutated real hellos to a running node over loopback.

One command (from the repository root, after `mvn -B package -DskipTests`):

    bench/fuzz-hellos.py [--connections 100000] [--concurrency 64] [--jar target/ingress.jar] [--java java] [--seed N]

It starts the jar with two TLS routes on one port (so a hello without a usable SNI routes nowhere) and two backends
that count what reaches them, then sends each mutation of a real hello (OpenSSL's and headless Chromium's, their
SNI rewritten to a name no route has) on a fresh connection followed by a FIN. None of them is routable, so no
byte may reach a backend. Reported: connections sent, how they ended, bytes and connections that reached a
backend (must be 0), ERROR lines in the node's log (must be 0), whether the node is still alive and ready, and its
descriptors and RSS before and after (both must come back to where they were). Exit status 0 only if all hold.
Bounded: a fixed number of connections, loopback only, every connection with a deadline.
"""
import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time

import ghostnode

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = {"app1": os.path.join(HERE, "fixtures", "app1-openssl.bin"),
            "app2": os.path.join(HERE, "fixtures", "app2-chromium.bin")}


def unroutable(hello, route):
    """The fixture with its SNI rewritten, same length, to a name no route has."""
    name = f"{route}.bench.internal".encode()
    assert name in hello, f"fixture for {route} does not carry {name!r}"
    return hello.replace(name, b"z" * len(route) + b".bench.internal")


def reframe(hello, fragment):
    """The handshake re-split into TLS records of `fragment` bytes (RFC 8446 5.1 allows any split)."""
    body, out, at = hello[5:], bytearray(), 0
    while at < len(body):
        chunk = body[at:at + fragment]
        out += bytes([0x16, 0x03, 0x01, len(chunk) >> 8, len(chunk) & 0xff]) + chunk
        at += fragment
    return bytes(out)


def mutate(hello, rng):
    b = bytearray(reframe(hello, rng.randint(1, 2048)) if rng.random() < 0.5 else hello)
    for _ in range(rng.randint(1, 4)):
        if not b:
            break
        at = rng.randrange(len(b))
        kind = rng.randrange(5)
        if kind == 0:
            b[at] ^= rng.randint(1, 255)
        elif kind == 1:
            v = rng.randrange(0x10000)
            b[at] = v >> 8
            if at + 1 < len(b):
                b[at + 1] = v & 0xff
        elif kind == 2:
            del b[at:]
        elif kind == 3:
            b[at:at] = os.urandom(rng.randint(1, 64))
        else:
            b[at:at] = b[at:at + rng.randint(1, 300)]
    return bytes(b)


class Backend:
    """Accepts and counts: any connection or byte here came from a hello that should not have routed (active
    health probes, which would connect too, are off)."""

    def __init__(self):
        self.connections = 0
        self.bytes = 0

    async def handle(self, reader, writer):
        self.connections += 1
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                self.bytes += len(data)
        except ConnectionError:
            pass
        writer.close()


def proc_stats(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/status") as f:
        rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    return fds, rss


async def one(port, payload, endings):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    except Exception:
        endings["connect_failed"] = endings.get("connect_failed", 0) + 1
        return
    try:
        writer.write(payload)
        await writer.drain()
        writer.write_eof()
        data = await asyncio.wait_for(reader.read(65536), 10)
        key = "answered" if data else "closed"
    except asyncio.TimeoutError:
        key = "timeout"
    except ConnectionResetError:
        key = "reset"
    except Exception as e:
        key = type(e).__name__
    endings[key] = endings.get(key, 0) + 1
    writer.close()


async def fuzz(args, port, rng):
    hellos = [unroutable(open(FIXTURES[r], "rb").read(), r) for r in ("app1", "app2")]
    endings, sent, pending = {}, 0, set()
    while sent < args.connections:
        while len(pending) < args.concurrency and sent < args.connections:
            payload = mutate(hellos[sent % 2], rng)
            pending.add(asyncio.ensure_future(one(port, payload, endings)))
            sent += 1
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    if pending:
        await asyncio.wait(pending)
    return sent, endings


async def main_async(args):
    rng = random.Random(args.seed)
    backends = [Backend(), Backend()]
    servers = [await asyncio.start_server(b.handle, "127.0.0.1", 0) for b in backends]
    bports = [s.sockets[0].getsockname()[1] for s in servers]
    port, admin = ghostnode.free_port(), ghostnode.free_port()
    work = tempfile.mkdtemp(prefix="ghost-fuzz-")
    config = os.path.join(work, "fuzz.toml")
    with open(config, "w") as f:
        f.write(f"""[listen]
ipv6 = ["[::1]:{port}"]
ipv4 = ["127.0.0.1:{port}"]
[admin]
listen = "127.0.0.1:{admin}"
[log]
level = "info"
access = false
[proxy]
sniff_timeout = "500ms"
[health]
enabled = false
[state]
file = "{work}/state.json"
[[env]]
id = "fuzz"
ipv4 = "127.0.0.1"
""" + "".join(f"""[[route]]
id = "{r}"
hostname = "{r}.bench.internal"
port = {port}
protocol = "tls_passthrough"
proxy_protocol = "v2"
backends = ["127.0.0.1:{bp}"]
env = "fuzz"
""" for r, bp in zip(("app1", "app2"), bports)))
    log_path = os.path.join(work, "node.log")
    node = await ghostnode.start(args.java, args.jar, config, admin, log_path)
    try:
        fds0, rss0 = proc_stats(node.pid)
        started = time.time()
        sent, endings = await fuzz(args, port, rng)
        secs = time.time() - started
        # connections close on the node's side asynchronously: give the counts a bounded moment to settle
        settle = time.time() + 10
        while time.time() < settle and proc_stats(node.pid)[0] > fds0:
            await asyncio.sleep(0.1)
        fds1, rss1 = proc_stats(node.pid)
        alive, is_ready = node.poll() is None, ghostnode.ready(admin)
    finally:
        ghostnode.stop(node)
        for s in servers:
            s.close()
    errors = [l for l in open(log_path) if '"level":"ERROR"' in l]
    report = {
        "connections_sent": sent, "seconds": round(secs, 1), "conn_per_s": round(sent / secs),
        "endings": endings,
        "backend_connections": sum(b.connections for b in backends),
        "backend_bytes": sum(b.bytes for b in backends),
        "error_lines": len(errors), "node_alive_and_ready": alive and is_ready,
        "fds_before": fds0, "fds_after": fds1, "rss_kb_before": rss0, "rss_kb_after": rss1, "seed": args.seed,
        "log": log_path,
    }
    print(json.dumps(report, indent=2))
    for line in errors[:5]:
        print("ERROR line:", line.strip(), file=sys.stderr)
    ok = (report["backend_connections"] == 0 and report["error_lines"] == 0 and report["node_alive_and_ready"]
          and fds1 <= fds0 + 2)
    print("fuzz: " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=100_000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--jar", default="target/ingress.jar")
    p.add_argument("--java", default="java")
    p.add_argument("--seed", type=int, default=int(time.time()))
    sys.exit(asyncio.run(main_async(p.parse_args())))


if __name__ == "__main__":
    main()
