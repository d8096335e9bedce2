#!/usr/bin/env python3
"""A small control plane for the scale bench (bench/scale.py): serves N generated routes over the contract
(control-plane-contract.md) without the dev control plane's per-scan diff of a TOML file, so 100 000 routes load in
a second.

    scalecp.py --routes N --listen-port P --ports A,B [--org ORG] [--token T] [--distinct-instances]

- N routes `rt_NNNNNNNN` over ceil(N/100) environments (`env_NNNNNN`, app `app_NNNNNN`, process type `web`), host
  name `rNNNNNNNN.eNNNNNN.scale.test`, listen port 443, tls_passthrough, PROXY protocol off, backend port A; one
  `route.created` event per route (ids 1..N), payloads protobuf-JSON as the live plane serves them.
- Every environment has 2 ready instances, `::ffff:127.0.0.2/128` and `::ffff:127.0.0.3/128` (IPv4-mapped, so
  loopback backends can listen on two addresses).
- GET /healthz, /v1/orgs/{org}/events (paged), /v1/orgs/{org}/events/stream (NDJSON, chunked, pushed every
  poll_ms), /v1/orgs/{org}/apps/{app}/envs/{env}/instances (one page); bearer token on /v1.
- Bench control (not part of the contract): POST /bench/routes/{route_id}?backend_port=P appends a
  `route.updated` event and answers its id; GET /bench/stats answers request counts by kind.

Loopback only; stops on SIGTERM or when its parent (stdin) closes.
"""
import argparse
import asyncio
import bisect
import json
import signal
import sys
import time
from urllib.parse import urlsplit, parse_qs

INSTANCES = ("::ffff:127.0.0.2/128", "::ffff:127.0.0.3/128")
STAMP = "2026-01-01T00:00:00Z"


def route_id(i):
    return f"rt_{i:08d}"


def env_of(i):
    return i // 100


def host_of(i):
    return f"r{i:08d}.e{env_of(i):06d}.scale.test"


class Plane:
    def __init__(self, n, backend_port, org, distinct=False):
        self.org = org
        self.distinct = distinct
        self.ids = []          # event ids, ascending
        self.items = []        # feed item JSON bytes
        self.lines = []        # stream line JSON bytes
        self.routes = {}       # route id -> (app, env)
        self.stats = {"events": 0, "stream": 0, "instances": 0, "other": 0}
        self.changed = asyncio.Event()
        for i in range(n):
            rid, env = route_id(i), f"env_{env_of(i):06d}"
            app = f"app_{env_of(i):06d}"
            self.routes[rid] = (app, env)
            self.append("route.created", rid, app, env, {
                "routeId": rid, "orgId": org, "appId": app, "envId": env, "hostname": host_of(i),
                "listenPort": 443, "protocolHint": "ROUTE_PROTOCOL_HINT_TLS_PASSTHROUGH",
                "backendProcessType": "web", "backendPort": backend_port,
                "proxyProtocol": "ROUTE_PROXY_PROTOCOL_OFF"})

    def append(self, kind, rid, app, env, payload):
        eid = len(self.ids) + 1
        self.ids.append(eid)
        self.items.append(json.dumps({
            "event_id": eid, "occurred_at": STAMP, "event_type": kind, "event_version": 1,
            "actor_type": "user", "actor_id": "usr_bench", "aggregate_type": "route", "aggregate_id": rid,
            "aggregate_seq": 1, "request_id": f"req_{eid}", "payload": payload}, separators=(",", ":")).encode())
        self.lines.append(json.dumps({
            "ts": STAMP, "seq": eid, "type": kind, "aggregate_type": "route", "aggregate_id": rid,
            "app_id": app, "env_id": env, "payload": payload}, separators=(",", ":")).encode() + b"\n")
        return eid

    def update(self, rid, backend_port):
        app, env = self.routes[rid]
        eid = self.append("route.updated", rid, app, env,
                          {"routeId": rid, "orgId": self.org, "envId": env, "backendPort": backend_port})
        self.changed.set()
        self.changed = asyncio.Event()
        return eid

    def page(self, after, limit):
        start = bisect.bisect_right(self.ids, after)
        chunk = self.items[start:start + limit]
        nxt = self.ids[start + len(chunk) - 1] if chunk else after
        return b'{"items":[' + b",".join(chunk) + b'],"next_after_event_id":' + str(nxt).encode() + b"}"

    def instances(self, env):
        items = [{"id": f"inst_{env}_{k}", "env_id": env, "process_type": "web", "node_id": "node_bench",
                  "generation": 1, "status": "ready", "last_transition_at": STAMP, "overlay_ipv6": ip,
                  "created_at": STAMP} for k, ip in enumerate(instance_addresses(env, self.distinct))]
        return json.dumps({"items": items, "next_cursor": None}).encode()


def instance_addresses(env, distinct):
    """The two instances of `env` ("env_NNNNNN"): INSTANCES, or with --distinct-instances its own pair,
    ::ffff:127.1.x.y and ::ffff:127.2.x.y where x.y is the env's number (so N/100 envs have N/50 backends)."""
    if not distinct:
        return INSTANCES
    e = int(env.rsplit("_", 1)[1])
    return tuple(f"::ffff:127.{k}.{e >> 8}.{e & 255}/128" for k in (1, 2))


def respond(writer, status, body, ctype="application/json"):
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 400: "Bad Request"}.get(status, "X")
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
                 .encode() + body)


async def stream(plane, writer, after, poll_s):
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")
    cursor = after
    while True:
        start = bisect.bisect_right(plane.ids, cursor)
        if start < len(plane.ids):
            body = b"".join(plane.lines[start:start + 1000])
            cursor = plane.ids[min(len(plane.ids), start + 1000) - 1]
            writer.write(b"%x\r\n%s\r\n" % (len(body), body))
            await writer.drain()
            continue
        waiter = plane.changed
        try:
            await asyncio.wait_for(waiter.wait(), 30)
        except asyncio.TimeoutError:
            pass
        await asyncio.sleep(poll_s)  # the live plane pushes what is new every poll_ms


async def handle(plane, token, reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:] if ":" in x)}
            if headers.get("content-length", "0") != "0":
                await reader.readexactly(int(headers["content-length"]))
            url = urlsplit(target)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            parts = url.path.strip("/").split("/")
            if url.path == "/healthz":
                respond(writer, 200, b"{}")
            elif parts[0] == "bench":
                if method == "POST" and len(parts) == 3 and parts[1] == "routes":
                    respond(writer, 200, str(plane.update(parts[2], int(q["backend_port"]))).encode())
                else:
                    respond(writer, 200, json.dumps(plane.stats).encode())
            elif headers.get("authorization") != f"Bearer {token}":
                respond(writer, 401, b'{"status":401}', "application/problem+json")
            elif len(parts) == 4 and parts[3] == "events":
                plane.stats["events"] += 1
                respond(writer, 200, plane.page(int(q.get("after_event_id", 0)), int(q.get("limit", 50))))
            elif len(parts) == 5 and parts[4] == "stream":
                plane.stats["stream"] += 1
                await stream(plane, writer, int(q.get("after_event_id", 0)), int(q.get("poll_ms", 500)) / 1000)
                return
            elif len(parts) == 8 and parts[7] == "instances":
                plane.stats["instances"] += 1
                respond(writer, 200, plane.instances(parts[6]))
            else:
                plane.stats["other"] += 1
                respond(writer, 404, b'{"status":404}', "application/problem+json")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--routes", type=int, required=True)
    ap.add_argument("--listen-port", type=int, required=True)
    ap.add_argument("--backend-port", type=int, required=True)
    ap.add_argument("--org", default="org_01JFW0000000000000000000")
    ap.add_argument("--token", default="bench-token")
    ap.add_argument("--distinct-instances", action="store_true",
                    help="each env its own 2 instance addresses (instance_addresses) instead of the shared pair")
    a = ap.parse_args()
    t0 = time.monotonic()
    plane = Plane(a.routes, a.backend_port, a.org, a.distinct_instances)
    server = await asyncio.start_server(lambda r, w: handle(plane, a.token, r, w), "127.0.0.1", a.listen_port,
                                        limit=1 << 16, backlog=1024)
    print(f"listening 127.0.0.1:{a.listen_port} routes={a.routes} generated_in={time.monotonic() - t0:.2f}s",
          flush=True)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, done.set)
    # the parent's end of our stdin closes when it dies: never outlive the bench
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.buffer.read1(1 << 16) or done.set())
    async with server:
        await done.wait()


if __name__ == "__main__":
    asyncio.run(main())
