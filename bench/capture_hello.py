#!/usr/bin/env python3
"""One-shot TCP listener that saves the TLS ClientHello a real client sends (bench/capture-hellos.sh uses it).

    capture_hello.py OUT.bin EXPECTED_SNI PORT_FILE [TIMEOUT_S]

Listens on 127.0.0.1 on a port the kernel picks (written to PORT_FILE so the caller can point a client at it),
accepts connections until one sends data, and reads until the TLS record(s) holding the whole ClientHello
handshake message are in. It saves exactly those bytes (nothing after the last record of the hello), checks that
the hello's SNI is EXPECTED_SNI, prints one line of facts about the capture (bytes, TLS records, recv() calls,
TCP data segments from TCP_INFO, key-share groups) and exits. It never answers, so the handshake never completes.
Bounded: gives up after TIMEOUT_S (default 60) seconds.
"""
import os
import socket
import struct
import sys
import time

TCP_INFO_DATA_SEGS_IN = 152  # offsetof(struct tcp_info, tcpi_data_segs_in) in <linux/tcp.h> (kernel >= 4.6)
GROUP_NAMES = {0x001D: "x25519", 0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
               0x11EC: "X25519MLKEM768", 0x6399: "X25519Kyber768Draft00"}


def hello_end(buf):
    """Length of the prefix of buf made of the TLS records that carry the complete ClientHello, or None if more
    bytes are needed. Raises ValueError when the bytes are not a TLS handshake."""
    pos, payload = 0, b""
    while True:
        if len(buf) < pos + 5:
            return None
        ctype, _ver, rlen = struct.unpack("!BHH", buf[pos:pos + 5])
        if ctype != 0x16:
            raise ValueError(f"record type {ctype:#x} is not a handshake")
        if len(buf) < pos + 5 + rlen:
            return None
        payload += buf[pos + 5:pos + 5 + rlen]
        pos += 5 + rlen
        if len(payload) >= 4:
            if payload[0] != 1:
                raise ValueError(f"handshake type {payload[0]} is not a ClientHello")
            if len(payload) >= 4 + int.from_bytes(payload[1:4], "big"):
                return pos


def records(buf):
    """(count, payload) of the TLS records in buf (which hello_end() found complete)."""
    pos, n, payload = 0, 0, b""
    while pos < len(buf):
        rlen = struct.unpack("!H", buf[pos + 3:pos + 5])[0]
        payload += buf[pos + 5:pos + 5 + rlen]
        pos += 5 + rlen
        n += 1
    return n, payload


def extensions(hs):
    """{type: data} of a ClientHello handshake message (4-byte handshake header included)."""
    body = hs[4:4 + int.from_bytes(hs[1:4], "big")]
    p = 2 + 32                                   # legacy_version, random
    p += 1 + body[p]                             # session id
    p += 2 + int.from_bytes(body[p:p + 2], "big")  # cipher suites
    p += 1 + body[p]                             # compression methods
    end = p + 2 + int.from_bytes(body[p:p + 2], "big")
    p += 2
    out = {}
    while p + 4 <= end:
        etype, elen = struct.unpack("!HH", body[p:p + 4])
        out[etype] = body[p + 4:p + 4 + elen]
        p += 4 + elen
    return out


def sni_of(ext):
    data = ext.get(0, b"")
    # server_name_list length (2), name_type (1) = host_name, name length (2), name
    if len(data) < 5 or data[2] != 0:
        return None
    n = int.from_bytes(data[3:5], "big")
    return data[5:5 + n].decode("ascii", "replace")


def key_share_groups(ext):
    data, out, p = ext.get(51, b""), [], 2
    while p + 4 <= len(data):
        group, klen = struct.unpack("!HH", data[p:p + 4])
        out.append(f"{GROUP_NAMES.get(group, hex(group))}({klen}B)")
        p += 4 + klen
    return out


def capture(srv, deadline):
    """Accept until a connection sends data; return (hello bytes, recv() calls, TCP data segments received,
    bytes received after the hello)."""
    while time.monotonic() < deadline:
        srv.settimeout(max(0.1, deadline - time.monotonic()))
        conn, _ = srv.accept()
        with conn:
            buf, calls = b"", 0
            while time.monotonic() < deadline:
                conn.settimeout(max(0.1, deadline - time.monotonic()))
                chunk = conn.recv(65536)
                if not chunk:
                    break                       # e.g. a preconnect closed without sending: take the next one
                buf += chunk
                calls += 1
                end = hello_end(buf)
                if end is not None:
                    info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
                    segs = struct.unpack_from("I", info, TCP_INFO_DATA_SEGS_IN)[0]
                    return buf[:end], calls, segs, len(buf) - end
    raise TimeoutError("no ClientHello before the deadline")


def main():
    out, want_sni, port_file = sys.argv[1:4]
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))                  # the kernel picks a free port
    srv.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.replace(port_file + ".tmp", port_file)   # the caller polls for the file: never let it see half a number
    hello, calls, segs, extra = capture(srv, time.monotonic() + timeout)
    srv.close()
    nrec, payload = records(hello)
    ext = extensions(payload)
    sni = sni_of(ext)
    if sni != want_sni:
        sys.exit(f"capture_hello: SNI is {sni!r}, expected {want_sni!r}; nothing saved")
    with open(out, "wb") as f:
        f.write(hello)
    print(f"file={os.path.basename(out)} bytes={len(hello)} tls_records={nrec} handshake_bytes={len(payload)} "
          f"recv_calls={calls} tcp_data_segments={segs} bytes_after_hello={extra} sni={sni} "
          f"key_shares={','.join(key_share_groups(ext))}")


if __name__ == "__main__":
    main()
