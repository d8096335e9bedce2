#!/usr/bin/env bash
# System calls per connection: `strace -c` on the ingress and on HAProxy 2.6 over the same N connections of
# bench/connrate (both hellos alternating, IPv4, CONCURRENCY in flight), after a warm-up.  Counts are deterministic
# enough to compare on a busy machine; the time columns strace prints are not (and strace slows both proxies).
# Same routes and backends as bench/run.sh; loopback only; every process started here is stopped by the EXIT trap.
#
#   bench/syscalls.sh                      # the jar in target/ingress.jar
#   INGRESS_JAR=/path/ingress.jar N=4000 CONCURRENCY=16 WARM_SECS=10 bench/syscalls.sh
#
# Prints, per proxy, the calls per connection by system call and the total: HAProxy's one thread, the ingress's
# event loops (its JIT compiler, GC and housekeeping threads left out).  Needs gcc, strace, haproxy, java, curl, ss, taskset.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=${N:-4000}
CONCURRENCY=${CONCURRENCY:-16}
WARM_SECS=${WARM_SECS:-10}
INGRESS_JAR=${INGRESS_JAR:-$ROOT/target/ingress.jar}
INGRESS_JAVA_OPTS=${INGRESS_JAVA_OPTS:--XX:+UseSerialGC -Xms16m -XX:MaxRAMPercentage=50 -XX:TrimNativeHeapInterval=1000 -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,java/lang/invoke/*.*,20.0 -Dio.netty.jfr.enabled=false}
OUT=${OUT:-$HERE/out/syscalls-$(date -u +%Y%m%dT%H%M%SZ)}
FIX=$HERE/fixtures
read -r -a JAVA_OPTS <<<"$INGRESS_JAVA_OPTS"

source "$HERE/lib.sh"
need gcc strace haproxy java curl ss taskset
[[ -f $INGRESS_JAR ]] || die "no $INGRESS_JAR (mvn -B -q -DskipTests package)"
mkdir -p "$OUT"
cd "$OUT"
build_load_tools
pick_port B1; pick_port B2; pick_port TI; pick_port RI; pick_port TH; pick_port ADMIN

start_backend
ingress_toml "$TI" "$RI" "$ADMIN" state >ingress.toml
write_haproxy_cfg
taskset -c 1 java "${JAVA_OPTS[@]}" -jar "$INGRESS_JAR" --config ingress.toml >ingress.log 2>&1 &
PID[ingress]=$!
taskset -c 1 haproxy -db -f haproxy.cfg >haproxy.log 2>&1 &
PID[haproxy]=$!
wait_for "curl -fs http://127.0.0.1:$ADMIN/readyz >/dev/null 2>&1"
wait_for "(( \$(ss -Htln '( sport = :$TH )' | wc -l) >= 1 ))"

load() {   # load PORT ARGS...: connrate on CPU 0, both hellos
  taskset -c 0 ./connrate -q -c "$CONCURRENCY" -H "app1=$FIX/app1-openssl.bin" -H "app2=$FIX/app2-chromium.bin" \
    "${@:2}" 127.0.0.1 "$1"
}
for p in ingress haproxy; do
  port=$([[ $p == ingress ]] && echo "$TI" || echo "$TH")
  log "$p: warm-up ${WARM_SECS}s"
  load "$port" -d "$WARM_SECS" >"warm-$p.txt"
  tids=()   # HAProxy: its one thread; the ingress: its event loops (the JIT, GC and housekeeping threads are not
            # a connection's cost and vary with the warm-up)
  for t in /proc/${PID[$p]}/task/*; do
    [[ $p == haproxy || $(cat "$t/comm") == vert.x-eventloo* ]] && tids+=(-p "${t##*/}")
  done
  strace -c -o "strace-$p.txt" "${tids[@]}" 2>"strace-$p.err" &
  st=$!
  sleep 1   # strace attaches to every thread before the counted connections start
  log "$p: $N connections under strace"
  load "$port" -n "$N" -d 600 -T 10000 >"counted-$p.txt"
  kill -INT "$st"; wait "$st" || true
  grep -q "ok=$N " "counted-$p.txt" || log "WARNING: $p: not all $N connections ok: $(cat "counted-$p.txt")"
done

for p in ingress haproxy; do
  echo "## $p: system calls per connection ($N connections, $CONCURRENCY in flight)"
  awk -v n="$N" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { name = $NF; calls = $4;
        printf "%-16s %7.2f\n", name, calls / n; tot += calls }
      END { printf "%-16s %7.2f\n", "total", tot / n }' "strace-$p.txt" | sort -k2 -nr | head -25
  echo
done
log "output in $OUT"
