#!/usr/bin/env bash
# Where the ingress's connect->answer tail comes from: the ingress (pinned to CPU 1) with its GC and safepoint log
# on the monotonic clock, under ROUNDS rounds of bench/connrate (both hellos, IPv4, CONCURRENCY in flight, on CPU 0)
# that log every connection's connect and answer time (--trace).  bench/tail.py then lines the connections above
# p99 up against the pauses, and the ingress's own /metrics give the bytes allocated per connection and the young
# collections.  Counts and overlaps do not depend on how busy the machine is; latencies and rates do.  Same routes
# and backends as bench/ab.sh; loopback only; every process started here is stopped by the EXIT trap.
#
#   bench/tail.sh                                   # target/ingress.jar, the documented flags
#   INGRESS_JAR=/tmp/x.jar INGRESS_JAVA_OPTS='...' ROUNDS=3 SECS=10 WARM_SECS=10 CONCURRENCY=64 bench/tail.sh
#   RATE=4000 bench/tail.sh                         # measured rounds open loop at RATE conn/s (run.sh's 2b)
#
# Needs gcc, java, curl, ss, taskset, python3.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-10}
WARM_SECS=${WARM_SECS:-10}
CONCURRENCY=${CONCURRENCY:-64}
RATE=${RATE:-0}
INGRESS_JAR=${INGRESS_JAR:-$ROOT/target/ingress.jar}
INGRESS_JAVA_OPTS=${INGRESS_JAVA_OPTS:--XX:+UseSerialGC -Xms16m -XX:MaxRAMPercentage=50 -XX:TrimNativeHeapInterval=1000 -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,java/lang/invoke/*.*,20.0 -Dio.netty.jfr.enabled=false}
OUT=${OUT:-$HERE/out/tail-$(date -u +%Y%m%dT%H%M%SZ)}
FIX=$HERE/fixtures
read -r -a JAVA_OPTS <<<"$INGRESS_JAVA_OPTS"

source "$HERE/lib.sh"
need gcc java curl ss taskset python3
[[ -f $INGRESS_JAR ]] || die "no $INGRESS_JAR (mvn -B -q -DskipTests package)"
mkdir -p "$OUT"
cd "$OUT"
build_load_tools
pick_port B1; pick_port B2; pick_port TI; pick_port RI; pick_port ADMIN

start_backend
ingress_toml "$TI" "$RI" "$ADMIN" state >ingress.toml
# timenanos (tn) is CLOCK_MONOTONIC, connrate's clock; the safepoint lines carry every pause, GC or not;
# trimnative: TrimNativeHeapInterval's trims, when and how long; jit+compilation: every compilation started
taskset -c 1 java "${JAVA_OPTS[@]}" "-Xlog:gc,safepoint,trimnative=debug,jit+compilation=debug:file=$OUT/jvm.log:tn,um" -jar "$INGRESS_JAR" \
  --config ingress.toml >ingress.log 2>&1 &
PID[ingress]=$!
wait_for "curl -fs http://127.0.0.1:$ADMIN/readyz >/dev/null 2>&1"
log "ingress ready, $(grep VmRSS "/proc/${PID[ingress]}/status" | tr -s ' ')"

load() {   # load ARGS...: connrate on CPU 0, both hellos
  taskset -c 0 ./connrate -q -c "$CONCURRENCY" -H "app1=$FIX/app1-openssl.bin" -H "app2=$FIX/app2-chromium.bin" \
    "$@" 127.0.0.1 "$TI"
}
metric() {   # metric FILE NAME: the sum of a Prometheus metric's samples
  awk -v n="$2" '$1 == n || index($0, n "{") == 1 { s += $NF } END { printf "%.0f", s }' "$1"   # labels may hold spaces
}
threads() {   # threads FILE: "name ticks" per thread of the ingress (utime + stime; comm may hold spaces)
  for t in /proc/${PID[ingress]}/task/*; do
    sed -E 's/^[0-9]+ \((.*)\) [A-Za-z] (.*)$/\1\t\2/' "$t/stat" | awk -F'\t' '{split($2, f, " "); print $1 "\t" f[11] + f[12]}'
  done >"$1"
}
log "warm-up ${WARM_SECS}s"
load -d "$WARM_SECS" >warm.txt
traces=()
threads threads-before.tsv
for r in $(seq "$ROUNDS"); do
  curl -fs "http://127.0.0.1:$ADMIN/metrics" >metrics-$r-before.txt
  if (( RATE > 0 )); then
    load -d "$SECS" -R "$RATE" -c 2000 --trace "trace-$r.txt" >round-$r.txt   # -c last: it wins
  else
    load -d "$SECS" --trace "trace-$r.txt" >round-$r.txt
  fi
  curl -fs "http://127.0.0.1:$ADMIN/metrics" >metrics-$r-after.txt
  ok=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' round-$r.txt)
  for m in jvm_gc_memory_allocated_bytes_total jvm_gc_pause_seconds_count; do
    d=$(( $(metric metrics-$r-after.txt $m) - $(metric metrics-$r-before.txt $m) ))
    log "round $r: $ok connections, $m +$d ($(awk -v d="$d" -v n="$ok" 'BEGIN{printf "%.1f", d / n}') per connection)"
  done
  traces+=("trace-$r.txt")
done
log "ingress after the rounds, $(grep VmRSS "/proc/${PID[ingress]}/status" | tr -s ' ')"
threads threads-after.tsv
# CPU by thread over the rounds (the JIT's and the GC's share of the proxy's one core beside the event loop's)
n=0
for f in round-*.txt; do n=$((n + $(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' "$f"))); done
python3 - threads-before.tsv threads-after.tsv "$n" "$(getconf CLK_TCK)" <<'PY' | tee threads.txt
import sys
from collections import Counter
def read(path):
    c = Counter()
    for line in open(path):
        name, ticks = line.rstrip('\n').rsplit('\t', 1)
        c[name.rstrip('0123456789')] += int(ticks)   # "C2 CompilerThread0", "vert.x-eventloop-thread-0": by kind
    return c
before, after, n, hz = read(sys.argv[1]), read(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
total = sum(after.values()) - sum(before.values())
print(f"CPU by thread over the rounds ({n} connections; ms per 1000 connections, share of the process):")
for name, ticks in sorted(((k, after[k] - before[k]) for k in after), key=lambda x: -x[1]):
    if ticks > 0:
        print(f"  {name:32} {ticks * 1000 / hz / n * 1000:7.1f}  {100 * ticks / max(1, total):5.1f} %")
PY
python3 "$HERE/tail.py" jvm.log "${traces[@]}" | tee tail.txt
log "output in $OUT (uptime: $(uptime))"
