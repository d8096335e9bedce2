#!/usr/bin/env bash
# A/B: two ingress jars (A, B) and HAProxy 2.6 in one run, interleaved rounds of bench/connrate (both hellos, IPv4,
# CONCURRENCY in flight, SECS each), every proxy pinned to CPU 1 while connrate and the backends run on CPU 0.  Per
# round: conn/s and the proxy's CPU ms per 1000 connections from /proc/PID/stat (all threads); then the median and
# the spread of each, and of B / A and A / HAProxy.  For a quick answer to "did this change move the cost" on a
# machine others share: only ratios from the same run mean anything.  Loopback only; every process started here is
# stopped by the EXIT trap.
#
#   JAR_A=/tmp/before.jar JAR_B=/tmp/after.jar bench/ab.sh
#   ROUNDS=7 SECS=5 WARM_SECS=10 CONCURRENCY=64 ... bench/ab.sh
#
# Needs gcc, haproxy, java, curl, ss, taskset.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
CONCURRENCY=${CONCURRENCY:-64}
WARM_SECS=${WARM_SECS:-10}
JAR_A=${JAR_A:?the jar before}
JAR_B=${JAR_B:?the jar after}
INGRESS_JAVA_OPTS=${INGRESS_JAVA_OPTS:--XX:+UseSerialGC -Xms16m -XX:MaxRAMPercentage=50 -XX:TrimNativeHeapInterval=1000 -Dio.netty.jfr.enabled=false}
OUT=${OUT:-$HERE/out/ab-$(date -u +%Y%m%dT%H%M%SZ)}
FIX=$HERE/fixtures
read -r -a JAVA_OPTS <<<"$INGRESS_JAVA_OPTS"

source "$HERE/lib.sh"
need gcc haproxy java curl ss taskset
[[ -f $JAR_A && -f $JAR_B ]] || die "no $JAR_A or $JAR_B"
mkdir -p "$OUT"
cd "$OUT"
build_load_tools
pick_port B1; pick_port B2; pick_port TA; pick_port TB; pick_port RA; pick_port RB; pick_port TH; pick_port AA; pick_port AB

start_backend
ingress_toml "$TA" "$RA" "$AA" a >a.toml
ingress_toml "$TB" "$RB" "$AB" b >b.toml
write_haproxy_cfg
for x in a b; do
  jar=$([[ $x == a ]] && echo "$JAR_A" || echo "$JAR_B")
  taskset -c 1 java "${JAVA_OPTS[@]}" -jar "$jar" --config $x.toml >$x.log 2>&1 &
  PID[$x]=$!
done
taskset -c 1 haproxy -db -f haproxy.cfg >haproxy.log 2>&1 &
PID[haproxy]=$!
wait_for "curl -fs http://127.0.0.1:$AA/readyz >/dev/null 2>&1 && curl -fs http://127.0.0.1:$AB/readyz >/dev/null 2>&1"
wait_for "(( \$(ss -Htln '( sport = :$TH )' | wc -l) >= 1 ))"

declare -A PORT=([a]=$TA [b]=$TB [haproxy]=$TH)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
load() {   # load PORT SECS: connrate on CPU 0, both hellos; prints its key=value line
  taskset -c 0 ./connrate -q -c "$CONCURRENCY" -H "app1=$FIX/app1-openssl.bin" -H "app2=$FIX/app2-chromium.bin" \
    -d "$2" 127.0.0.1 "$1"
}
for p in a b haproxy; do log "warm-up $p ${WARM_SECS}s"; load "${PORT[$p]}" "$WARM_SECS" >/dev/null; done
: >rounds.tsv
order=(a b haproxy)
for r in $(seq "$ROUNDS"); do
  for p in "${order[@]}"; do
    t0=$(ticks "${PID[$p]}")
    line=$(load "${PORT[$p]}" "$SECS")
    t1=$(ticks "${PID[$p]}")
    ok=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$line"); cps=$(sed -n 's/^conn_per_s=\([0-9.]*\) .*/\1/p' <<<"$line")
    fail=$(sed -n 's/.* fail=\([0-9]*\) .*/\1/p' <<<"$line")
    printf '%s\t%s\t%s\t%s\n' "$r" "$p" "$cps" "$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$ok" 'BEGIN{printf "%.1f", t * 1000 / hz / n * 1000}')" >>rounds.tsv
    (( fail == 0 )) || log "WARNING: round $r $p: $fail failures"
  done
  order=("${order[1]}" "${order[2]}" "${order[0]}")   # rotate who goes first
done
python3 - rounds.tsv <<'PY'
import statistics, sys
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
by = {}
for r, p, cps, cpu in rows:
    by.setdefault(p, {})[int(r)] = (float(cps), float(cpu))
def fmt(xs): return f"{statistics.median(xs):.3f} ({min(xs):.3f}-{max(xs):.3f})"
def ratio(num, den, i): return [by[num][r][i] / by[den][r][i] for r in sorted(by[num])]
print("| figure | A | B | HAProxy |")
print("|---|---|---|---|")
for i, name in ((0, "conn/s"), (1, "CPU ms per 1000 connections")):
    print(f"| {name}, median (min-max) | " + " | ".join(fmt([v[i] for v in by[p].values()]) for p in ("a", "b", "haproxy")) + " |")
print()
print("| ratio, per round: median (min-max) | conn/s | CPU per connection |")
print("|---|---|---|")
for num, den in (("b", "a"), ("a", "haproxy"), ("b", "haproxy")):
    print(f"| {num.upper() if len(num) == 1 else num} / {den.upper() if len(den) == 1 else den} | {fmt(ratio(num, den, 0))} | {fmt(ratio(num, den, 1))} |")
PY
log "output in $OUT"
