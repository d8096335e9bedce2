#!/usr/bin/env bash
# Recapture the ClientHello fixtures that bench/connrate replays (see bench/fixtures/README.md):
#   fixtures/app1-openssl.bin   openssl s_client -servername app1.bench.internal   (small, classic key share)
#   fixtures/app2-chromium.bin  headless Chromium -> https://app2.bench.internal:PORT/ (X25519MLKEM768, ~2 KB)
# Each client talks to bench/capture_hello.py on 127.0.0.1 (a port the kernel picks), which saves the exact bytes
# of the TLS record(s) of the hello and never answers.  Loopback only; every step has a time limit; the EXIT trap
# stops what this script started.  Needs: python3, openssl, chromium (Debian: apt-get install chromium).
# FIX=DIR writes the captures (and captures.txt) to DIR instead of bench/fixtures.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIX=${FIX:-$HERE/fixtures}
TMP=$(mktemp -d)
declare -a STARTED=()

cleanup() {
  local rc=$? p
  set +e
  for p in "${STARTED[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null; done
  for p in "${STARTED[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for t in python3 openssl chromium setsid timeout; do
  command -v "$t" >/dev/null || { echo "missing tool: $t (apt-get install python3 openssl chromium)" >&2; exit 1; }
done
mkdir -p "$FIX"

# start_listener NAME SNI: background capture_hello.py, sets LISTENER (pid) and PORT
start_listener() {
  rm -f "$TMP/port"
  python3 "$HERE/capture_hello.py" "$TMP/$1.bin" "$2" "$TMP/port" 60 >"$TMP/$1.txt" &
  LISTENER=$!
  STARTED+=("$LISTENER")
  for _ in $(seq 100); do [[ -s $TMP/port ]] && break; sleep 0.1; done
  [[ -s $TMP/port ]] || { echo "capture listener did not start" >&2; exit 1; }
  PORT=$(cat "$TMP/port")
}

# finish NAME: wait for the listener (it exits once it has the hello), then move the capture into fixtures/
finish() {
  wait "$LISTENER" || { echo "capture of $1 failed" >&2; exit 1; }
  mv "$TMP/$1.bin" "$FIX/$1.bin"
  echo "$(cat "$TMP/$1.txt") client=\"$2\"" | tee -a "$TMP/captures.txt"
}

# 1. small hello: OpenSSL's s_client (TLS 1.3 + 1.2, x25519 key share)
start_listener app1-openssl app1.bench.internal
timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername app1.bench.internal </dev/null >/dev/null 2>&1 || true
finish app1-openssl "$(openssl version)"

# 2. post-quantum browser hello: headless Chromium resolving the route name to 127.0.0.1.  Run in its own session
# (setsid) so that the whole browser process tree is stopped through its process group id.
start_listener app2-chromium app2.bench.internal
setsid timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$TMP/profile" \
  --host-resolver-rules="MAP app2.bench.internal 127.0.0.1" "https://app2.bench.internal:$PORT/" \
  >"$TMP/chromium.log" 2>&1 &
BROWSER=$!
STARTED+=("$BROWSER")
finish app2-chromium "$(chromium --version 2>/dev/null | head -1)"
kill -- "-$BROWSER" 2>/dev/null || true

{
  echo "# captured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -srm) by bench/capture-hellos.sh"
  cat "$TMP/captures.txt"
} >"$FIX/captures.txt"
echo "saved in $FIX: $(cd "$FIX" && ls -l ./*.bin | awk '{printf "%s (%s bytes) ", $NF, $5}')"
