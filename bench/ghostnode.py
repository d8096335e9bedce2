"""The jar as the bench scripts run it: a free loopback port, start, wait until ready, stop. Shared by
fuzz-hellos.py and soak.py."""
import asyncio
import os
import socket
import subprocess
import time
import urllib.request

# the node flags of docs/deployment.md that matter here; BENCH_JAVA_OPTS (space-separated) replaces them for an A/B
JAVA_OPTS = os.environ.get("BENCH_JAVA_OPTS", "-XX:+UseSerialGC -Xms16m -XX:MaxRAMPercentage=50").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def ready(admin_port):
    try:
        get(f"http://127.0.0.1:{admin_port}/readyz", 2)
        return True
    except Exception:
        return False


async def start(java, jar, config, admin_port, log_path, deadline_s=60):
    """Starts the jar on `config`, its output in `log_path`; returns the process once /readyz answers 200."""
    log = open(log_path, "w")
    node = subprocess.Popen([java, *JAVA_OPTS, "-jar", jar, "--config", config], stdout=log,
                            stderr=subprocess.STDOUT)
    log.close()
    deadline = time.time() + deadline_s
    while not ready(admin_port):
        if node.poll() is not None or time.time() > deadline:
            stop(node)
            raise SystemExit("the node did not become ready:\n" + open(log_path).read())
        await asyncio.sleep(0.1)
    return node


def stop(node):
    node.terminate()
    try:
        node.wait(30)
    except subprocess.TimeoutExpired:
        node.kill()
