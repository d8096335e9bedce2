#!/usr/bin/env bash
# A/B: two ingress jars (A, B), HAProxy 2.6 and (when installed) nginx stream in one run, interleaved rounds of
# bench/connrate (both hellos, IPv4, CONCURRENCY in flight, SECS each), every proxy pinned to CPU 1 while connrate and
# the backends run on CPU 0.  Per round: conn/s, the proxy's CPU ms per 1000 connections from /proc/PID/stat (all
# threads; nginx: master + worker) and connect->answer p50/p99/p99.9; then the median and the spread of each, and of
# B / A, A / HAProxy, B / HAProxy and each against nginx.  For a quick answer to "did this change move the cost" on a
# machine others share: only ratios from the same run mean anything.  Loopback only; every process started here is
# stopped by the EXIT trap.
#
#   JAR_A=/tmp/before.jar JAR_B=/tmp/after.jar bench/ab.sh
#   ROUNDS=7 SECS=5 WARM_SECS=10 CONCURRENCY=64 ... bench/ab.sh
#   JAR_A=x.jar JAR_B=x.jar INGRESS_JAVA_OPTS_B="$FLAGS -Xmn12m" bench/ab.sh   # one flag against the documented ones
#
# NGINX=auto (default: with nginx when `nginx` and its stream module are installed), 0 (without) or 1 (required).
# Needs gcc, haproxy, java, curl, ss, taskset (and nginx with its stream module).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
CONCURRENCY=${CONCURRENCY:-64}
WARM_SECS=${WARM_SECS:-10}
JAR_A=${JAR_A:?the jar before}
JAR_B=${JAR_B:?the jar after}
NGINX=${NGINX:-auto}
INGRESS_JAVA_OPTS=${INGRESS_JAVA_OPTS:--XX:+UseSerialGC -Xms16m -XX:MaxRAMPercentage=50 -XX:TrimNativeHeapInterval=1000 -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,java/lang/invoke/*.*,20.0 -Dio.netty.jfr.enabled=false}
OUT=${OUT:-$HERE/out/ab-$(date -u +%Y%m%dT%H%M%SZ)}
FIX=$HERE/fixtures
INGRESS_JAVA_OPTS_B=${INGRESS_JAVA_OPTS_B:-$INGRESS_JAVA_OPTS}   # B's flags: the same unless a flag is what is compared
read -r -a JAVA_OPTS_A <<<"$INGRESS_JAVA_OPTS"
read -r -a JAVA_OPTS_B <<<"$INGRESS_JAVA_OPTS_B"

source "$HERE/lib.sh"
need gcc haproxy java curl ss taskset
[[ -f $JAR_A && -f $JAR_B ]] || die "no $JAR_A or $JAR_B"
PROXIES=(a b haproxy)
if [[ $NGINX == 1 || ( $NGINX == auto && -f $NGX_STREAM ) ]] && command -v nginx >/dev/null; then PROXIES+=(nginx); fi
[[ $NGINX != 1 || ${PROXIES[*]} == *nginx* ]] || die "NGINX=1 needs nginx and $NGX_STREAM"
mkdir -p "$OUT"
cd "$OUT"
build_load_tools
pick_port B1; pick_port B2; pick_port TA; pick_port TB; pick_port RA; pick_port RB; pick_port TH; pick_port TN
pick_port AA; pick_port AB

start_backend
ingress_toml "$TA" "$RA" "$AA" a >a.toml
ingress_toml "$TB" "$RB" "$AB" b >b.toml
write_haproxy_cfg
write_nginx_conf
for x in a b; do
  if [[ $x == a ]]; then jar=$JAR_A opts=("${JAVA_OPTS_A[@]}"); else jar=$JAR_B opts=("${JAVA_OPTS_B[@]}"); fi
  taskset -c 1 java "${opts[@]}" -jar "$jar" --config $x.toml >$x.log 2>&1 &
  PID[$x]=$!
done
taskset -c 1 haproxy -db -f haproxy.cfg >haproxy.log 2>&1 &
PID[haproxy]=$!
if [[ ${PROXIES[*]} == *nginx* ]]; then
  taskset -c 1 nginx -p "$OUT" -e "$OUT/nginx-error.log" -c "$OUT/nginx.conf" >nginx.log 2>&1 &
  PID[nginx]=$!
  wait_for "(( \$(ss -Htln '( sport = :$TN )' | wc -l) >= 1 ))"
fi
wait_for "curl -fs http://127.0.0.1:$AA/readyz >/dev/null 2>&1 && curl -fs http://127.0.0.1:$AB/readyz >/dev/null 2>&1"
wait_for "(( \$(ss -Htln '( sport = :$TH )' | wc -l) >= 1 ))"

declare -A PORT=([a]=$TA [b]=$TB [haproxy]=$TH [nginx]=$TN)
ticks() {   # ticks PID: utime + stime of the process and its children (nginx: master + worker)
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
  echo "$t"
}
HZ=$(getconf CLK_TCK)
load() {   # load PORT SECS: connrate on CPU 0, both hellos; prints its key=value line
  taskset -c 0 ./connrate -q -c "$CONCURRENCY" -H "app1=$FIX/app1-openssl.bin" -H "app2=$FIX/app2-chromium.bin" \
    -d "$2" 127.0.0.1 "$1"
}
for p in "${PROXIES[@]}"; do log "warm-up $p ${WARM_SECS}s"; load "${PORT[$p]}" "$WARM_SECS" >/dev/null; done
: >rounds.tsv
order=("${PROXIES[@]}")
for r in $(seq "$ROUNDS"); do
  for p in "${order[@]}"; do
    t0=$(ticks "${PID[$p]}")
    line=$(load "${PORT[$p]}" "$SECS")
    t1=$(ticks "${PID[$p]}")
    ok=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$line"); cps=$(sed -n 's/^conn_per_s=\([0-9.]*\) .*/\1/p' <<<"$line")
    fail=$(sed -n 's/.* fail=\([0-9]*\) .*/\1/p' <<<"$line")
    lat=$(sed -n 's/.* p50_us=\([0-9]*\) p99_us=\([0-9]*\) p999_us=\([0-9]*\) .*/\1\t\2\t\3/p' <<<"$line")
    printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$p" "$cps" "$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$ok" 'BEGIN{printf "%.1f", t * 1000 / hz / n * 1000}')" "$lat" >>rounds.tsv
    (( fail == 0 )) || log "WARNING: round $r $p: $fail failures"
  done
  order=("${order[@]:1}" "${order[0]}")   # rotate who goes first
done
python3 - rounds.tsv <<'PY'
import statistics, sys
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
by = {}
for r, p, *vals in rows:
    by.setdefault(p, {})[int(r)] = tuple(float(v) for v in vals)
names = [p for p in ("a", "b", "haproxy", "nginx") if p in by]
label = lambda p: p.upper() if len(p) == 1 else p
def fmt(xs, d=3):
    return f"{statistics.median(xs):.{d}f} ({min(xs):.{d}f}-{max(xs):.{d}f})"
def ratio(num, den, i): return [by[num][r][i] / by[den][r][i] for r in sorted(by[num]) if r in by[den]]
figures = ((0, "conn/s", 0), (1, "CPU ms per 1000 connections", 1), (2, "p50 us", 0), (3, "p99 us", 0),
           (4, "p99.9 us", 0))
print("| figure, median (min-max) | " + " | ".join(label(p) for p in names) + " |")
print("|---" * (len(names) + 1) + "|")
for i, name, d in figures:
    print(f"| {name} | " + " | ".join(fmt([v[i] for v in by[p].values()], d) for p in names) + " |")
print()
pairs = [("b", "a"), ("a", "haproxy"), ("b", "haproxy")] + [(x, "nginx") for x in ("a", "b", "haproxy") if "nginx" in by]
print("| ratio, per round: median (min-max) | conn/s | CPU per connection | p50 | p99 | p99.9 |")
print("|---|---|---|---|---|---|")
for num, den in pairs:
    print(f"| {label(num)} / {label(den)} | " + " | ".join(fmt(ratio(num, den, i)) for i, _, _ in figures) + " |")
PY
log "output in $OUT"
