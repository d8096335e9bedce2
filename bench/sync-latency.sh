#!/usr/bin/env bash
# Control-plane sync latency: route change written to the dev control plane's state file -> visible in traffic
# through the ingress (a new TLS connection sees the other backend's certificate), over N changes, streaming and
# polling (GHOST_SYNC_STREAM=false, GHOST_SYNC_POLL_INTERVAL=1s).  Loopback only; see bench/README.md.
#
# Knobs (environment): N=100 SCAN=50ms POLL_INTERVAL=1s JITTER_MS=(200 streaming, 1000 polling) MODES="streaming polling" BUILD=auto|always|never
#                      OUT=bench/out/sync-<utc-stamp>
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=${N:-100}
BUILD=${BUILD:-auto}
MODES=${MODES:-streaming polling}
OUT=${OUT:-$HERE/out/sync-$(date -u +%Y%m%dT%H%M%SZ)}
export SCAN=${SCAN:-50ms} POLL_INTERVAL=${POLL_INTERVAL:-1s}
JAR=$ROOT/target/ingress.jar
if [[ $BUILD == always || ( $BUILD == auto && ! -f $JAR ) ]]; then
  (cd "$ROOT" && mvn -B -q -DskipTests package)
fi
mkdir -p "$OUT"
{ date -u; echo "nproc=$(nproc) $(uname -r)"; java -version 2>&1 | head -1; git -C "$ROOT" rev-parse --short HEAD; } \
  > "$OUT/machine.txt"
for mode in $MODES; do
  python3 "$HERE/sync_latency.py" "$ROOT" "$JAR" "$ROOT/src/test/resources/tls" "$OUT" "$mode" "$N" \
    | tee -a "$OUT/summary.jsonl"
done
echo "results in $OUT" >&2
