#!/usr/bin/env bash
# Benchmark baseline: ghost ingress vs HAProxy (mode tcp, req_ssl_sni, send-proxy-v2) vs nginx stream
# (ssl_preread, proxy_protocol on), same routes, same backends, in one run.  See bench/README.md.
#
# Loopback only.  Ports are picked at run time among free ones below the ephemeral range.  Every load step is
# bounded by a duration or a count; every process started here is stopped by the EXIT trap.
#
# Knobs (environment): ROUNDS=3 WARM_SECS=8 RATE_SECS=5 RATE_WORKERS=16 WRK_SECS=10 IPERF_SECS=5 HOLD_N=10000 HEAP=512m
#                      BUILD=auto|always|never  OUT=bench/out/<utc-stamp>
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ROUNDS=${ROUNDS:-3}
WARM_SECS=${WARM_SECS:-8}
RATE_SECS=${RATE_SECS:-5}
RATE_WORKERS=${RATE_WORKERS:-16}
WRK_SECS=${WRK_SECS:-10}
IPERF_SECS=${IPERF_SECS:-5}
HOLD_N=${HOLD_N:-10000}
HEAP=${HEAP:-512m}
BUILD=${BUILD:-auto}
OUT=${OUT:-$HERE/out/$(date -u +%Y%m%dT%H%M%SZ)}
PROXIES=(ingress haproxy nginx)
LOAD_CPU=0
PROXY_CPU=1

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
for t in java haproxy nginx wrk iperf3 openssl taskset gcc python3 jcmd jstat ss curl; do
  command -v "$t" >/dev/null || die "missing tool: $t"
done
NGX_STREAM=/usr/lib/nginx/modules/ngx_stream_module.so
[[ -f $NGX_STREAM ]] || die "nginx stream module missing ($NGX_STREAM): apt-get install libnginx-mod-stream"
(( $(nproc) >= 2 )) || die "needs 2 CPUs (proxy on CPU $PROXY_CPU, load on CPU $LOAD_CPU)"

# N held connections = 2N descriptors in each proxy.  Raise the limit as far as allowed (the hard limit needs
# CAP_SYS_RESOURCE to go up); if it stays below 2N + 300, hold fewer connections and say so.
ulimit -Hn 262144 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
MAXCONN=$(( (NOFILE - 300) / 2 ))
if (( HOLD_N > MAXCONN )); then
  log "open-file limit $NOFILE (hard limit, cannot be raised here): holding $MAXCONN instead of $HOLD_N connections"
  HOLD_N=$MAXCONN
fi
(( MAXCONN > 60000 )) && MAXCONN=60000

mkdir -p "$OUT"
cd "$OUT"                       # every relative path and stray file stays in the output folder
RES=$OUT/results.tsv            # proxy  metric  round  value
: >"$RES"
log "output in $OUT"

JAR=$ROOT/target/ingress.jar
if [[ $BUILD == always || ( $BUILD == auto && ! -f $JAR ) ]]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -B -q -DskipTests package) >"$OUT/build.log" 2>&1 || die "build failed, see $OUT/build.log"
fi
[[ -f $JAR ]] || die "no $JAR"
gcc -O2 -Wall -o "$OUT/tlsload" "$HERE/tlsload.c" -lssl -lcrypto -lpthread || die "tlsload build failed"
TLSLOAD=$OUT/tlsload

# ---------------------------------------------------------------- processes and cleanup
declare -A PID=()
cleanup() {
  local rc=$?
  set +e
  for name in "${!PID[@]}"; do
    kill "${PID[$name]}" 2>/dev/null
  done
  for name in "${!PID[@]}"; do
    for _ in $(seq 50); do kill -0 "${PID[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${PID[$name]}" 2>/dev/null
    wait "${PID[$name]}" 2>/dev/null
  done
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- ports
declare -A TAKEN=()
pick_port() {   # pick_port VAR: a port in 20000-31999 nobody listens on (below the ephemeral range 32768+)
  local p listening
  listening=" $(ss -Htanl | awk '{n=split($4,a,":"); printf "%s ", a[n]}') "
  for _ in $(seq 500); do
    p=$((20000 + RANDOM % 12000))
    [[ $listening == *" $p "* || -n ${TAKEN[$p]:-} ]] && continue
    TAKEN[$p]=1
    printf -v "$1" '%s' "$p"
    return 0
  done
  die "no free port"
}
ROUTES=(app1 app2 localhost)          # TLS routes; "localhost" is the one wrk can use (SNI = URL host)
SNIS=(app1.bench.internal app2.bench.internal localhost)
declare -A BPORT=()
for r in "${ROUTES[@]}"; do pick_port "BPORT[$r]"; done
pick_port IPERF_PORT
declare -A TLS_PORT=() RAW_PORT=()
for p in "${PROXIES[@]}"; do pick_port "TLS_PORT[$p]"; pick_port "RAW_PORT[$p]"; done
pick_port ADMIN_PORT

# ---------------------------------------------------------------- certificate (one self-signed EC cert, all names)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench \
  -addext "subjectAltName=DNS:app1.bench.internal,DNS:app2.bench.internal,DNS:localhost" \
  -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null

# ---------------------------------------------------------------- backends (CPU 0)
mkdir -p "$OUT/backend/tmp"
{
  echo "worker_processes 1; worker_rlimit_nofile $NOFILE; daemon off; pid $OUT/backend/nginx.pid;"
  echo "error_log $OUT/backend/error.log warn;"
  echo "events { worker_connections $((NOFILE - 100)); }"
  echo "http {"
  echo "  access_log off; default_type text/plain;"
  for d in client_body proxy fastcgi uwsgi scgi; do echo "  ${d}_temp_path $OUT/backend/tmp/$d;"; done
  echo "  ssl_certificate $OUT/cert.pem; ssl_certificate_key $OUT/key.pem;"
  echo "  ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off;"
  echo "  client_header_timeout 600s; keepalive_timeout 600s; keepalive_requests 100000000;"
  for r in "${ROUTES[@]}"; do
    echo "  server { listen 127.0.0.1:${BPORT[$r]} ssl proxy_protocol;"
    echo "           return 200 \"$r \$proxy_protocol_addr:\$proxy_protocol_port\\n\"; }"
  done
  echo "}"
} >"$OUT/backend/nginx.conf"
taskset -c $LOAD_CPU nginx -p "$OUT/backend" -e "$OUT/backend/error.log" -c "$OUT/backend/nginx.conf" \
  >"$OUT/backend/stdout.log" 2>&1 &
PID[backend]=$!
taskset -c $LOAD_CPU iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT" >"$OUT/iperf3-server.log" 2>&1 &
PID[iperf3]=$!

# ---------------------------------------------------------------- the three proxies (CPU 1)
# ghost ingress
mkdir -p "$OUT/ingress"
{
  echo "[listen]"
  echo "ipv6 = [\"[::1]:${TLS_PORT[ingress]}\"]"
  echo "ipv4 = [\"127.0.0.1:${TLS_PORT[ingress]}\"]"
  echo "[admin]"
  echo "listen = \"127.0.0.1:$ADMIN_PORT\""
  echo "[state]"
  echo "file = \"$OUT/ingress/state.json\""
  echo "[log]"
  echo "level = \"warn\""
  echo "access = false"
  echo "[[env]]"
  echo "id = \"bench\""
  echo "ipv4 = \"127.0.0.1\""
  for i in "${!ROUTES[@]}"; do
    echo "[[route]]"
    echo "id = \"${ROUTES[$i]}\""
    echo "hostname = \"${SNIS[$i]}\""
    echo "port = ${TLS_PORT[ingress]}"
    echo "protocol = \"tls_passthrough\""
    echo "proxy_protocol = \"v2\""
    echo "backends = [\"127.0.0.1:${BPORT[${ROUTES[$i]}]}\"]"
    echo "env = \"bench\""
  done
  echo "[[route]]"
  echo "id = \"raw\""
  echo "port = ${RAW_PORT[ingress]}"
  echo "protocol = \"tcp_raw\""
  echo "backends = [\"127.0.0.1:$IPERF_PORT\"]"
  echo "env = \"bench\""
} >"$OUT/ingress/ingress.toml"
taskset -c $PROXY_CPU java -Xms$HEAP -Xmx$HEAP -jar "$JAR" --config "$OUT/ingress/ingress.toml" \
  >"$OUT/ingress/stdout.log" 2>"$OUT/ingress/stderr.log" &
PID[ingress]=$!

# HAProxy
mkdir -p "$OUT/haproxy"
{
  echo "global"
  echo "  maxconn $MAXCONN"
  echo "  nbthread 1"
  echo "defaults"
  echo "  mode tcp"
  echo "  maxconn $MAXCONN"
  echo "  timeout connect 5s"
  echo "  timeout client 10m"
  echo "  timeout server 10m"
  echo "frontend tls"
  echo "  bind 127.0.0.1:${TLS_PORT[haproxy]}"
  echo "  bind [::1]:${TLS_PORT[haproxy]}"
  echo "  tcp-request inspect-delay 5s"
  echo "  tcp-request content accept if { req_ssl_hello_type 1 }"
  for i in "${!ROUTES[@]}"; do
    echo "  use_backend be_${ROUTES[$i]} if { req_ssl_sni -i ${SNIS[$i]} }"
  done
  for r in "${ROUTES[@]}"; do
    echo "backend be_$r"
    echo "  server s1 127.0.0.1:${BPORT[$r]} send-proxy-v2"
  done
  echo "frontend raw"
  echo "  bind 127.0.0.1:${RAW_PORT[haproxy]}"
  echo "  bind [::1]:${RAW_PORT[haproxy]}"
  echo "  default_backend be_raw"
  echo "backend be_raw"
  echo "  server s1 127.0.0.1:$IPERF_PORT"
} >"$OUT/haproxy/haproxy.cfg"
taskset -c $PROXY_CPU haproxy -db -f "$OUT/haproxy/haproxy.cfg" >"$OUT/haproxy/stdout.log" 2>&1 &
PID[haproxy]=$!

# nginx stream
mkdir -p "$OUT/nginx"
{
  echo "load_module $NGX_STREAM;"
  echo "worker_processes 1; worker_rlimit_nofile $NOFILE; daemon off; pid $OUT/nginx/nginx.pid;"
  echo "error_log $OUT/nginx/error.log warn;"
  echo "events { worker_connections $((NOFILE - 100)); }"
  echo "stream {"
  echo "  map \$ssl_preread_server_name \$upstream {"
  for i in "${!ROUTES[@]}"; do echo "    ${SNIS[$i]} 127.0.0.1:${BPORT[${ROUTES[$i]}]};"; done
  echo "    default \"\";"
  echo "  }"
  echo "  server { listen 127.0.0.1:${TLS_PORT[nginx]}; listen [::1]:${TLS_PORT[nginx]};"
  echo "           ssl_preread on; proxy_pass \$upstream; proxy_protocol on; }"
  echo "  server { listen 127.0.0.1:${RAW_PORT[nginx]}; listen [::1]:${RAW_PORT[nginx]};"
  echo "           proxy_pass 127.0.0.1:$IPERF_PORT; }"
  echo "}"
} >"$OUT/nginx/nginx.conf"
taskset -c $PROXY_CPU nginx -p "$OUT/nginx" -e "$OUT/nginx/error.log" -c "$OUT/nginx/nginx.conf" \
  >"$OUT/nginx/stdout.log" 2>&1 &
PID[nginx]=$!

# ---------------------------------------------------------------- readiness (bounded)
wait_port() {   # wait_port HOST PORT SECONDS
  local end=$((SECONDS + $3))
  while (( SECONDS < end )); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
for r in "${ROUTES[@]}"; do wait_port 127.0.0.1 "${BPORT[$r]}" 20 || die "backend $r not up"; done
wait_port 127.0.0.1 "$IPERF_PORT" 20 || die "iperf3 server not up"
end=$((SECONDS + 90))
until curl -fs "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null; do
  kill -0 "${PID[ingress]}" 2>/dev/null || die "ingress exited, see $OUT/ingress/"
  (( SECONDS < end )) || die "ingress not ready after 90 s"
  sleep 0.3
done
for p in haproxy nginx; do wait_port 127.0.0.1 "${TLS_PORT[$p]}" 20 || die "$p not up, see $OUT/$p/"; done
for p in "${PROXIES[@]}"; do wait_port 127.0.0.1 "${RAW_PORT[$p]}" 20 || die "$p raw port not up"; done

# process ids whose CPU and RSS count as "the proxy" (nginx: master + worker)
proxy_pids() {
  case $1 in
    nginx) echo "${PID[nginx]} $(pgrep -P "${PID[nginx]}" | tr '\n' ' ')" ;;
    *) echo "${PID[$1]}" ;;
  esac
}
cpu_ticks() { local t=0 p; for p in $(proxy_pids "$1"); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
rss_kb() { local t=0 p; for p in $(proxy_pids "$1"); do t=$((t + $(awk '/^VmRSS/{print $2}' "/proc/$p/status"))); done; echo $t; }
HZ=$(getconf CLK_TCK)
rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RES"; }
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# ---------------------------------------------------------------- versions
{
  echo "date: $(date -u)"
  echo "nproc: $(nproc)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "jdk: $(java -version 2>&1 | head -1)"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "openssl: $(openssl version)"
  echo "wrk: $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
  echo "iperf3: $(iperf3 -v | head -1)"
  echo "ingress: $(cd "$ROOT" && git rev-parse --short HEAD) ($(java -jar "$JAR" --version 2>&1 | head -1))"
  echo "open-file limit: $NOFILE (held connections: $HOLD_N)"
  echo "params: ROUNDS=$ROUNDS WARM_SECS=$WARM_SECS RATE_SECS=$RATE_SECS RATE_WORKERS=$RATE_WORKERS WRK_SECS=$WRK_SECS IPERF_SECS=$IPERF_SECS HOLD_N=$HOLD_N HEAP=$HEAP"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ---------------------------------------------------------------- smoke: every route, both families, every proxy
SNI_LIST=$(IFS=,; echo "${SNIS[*]}")
for p in "${PROXIES[@]}"; do
  for h in 127.0.0.1 ::1; do
    line=$(taskset -c $LOAD_CPU "$TLSLOAD" rate "$h" "${TLS_PORT[$p]}" 1 1 "$SNI_LIST")
    [[ $(kv ok "$line") -gt 0 && $(kv fail "$line") -eq 0 ]] || die "smoke test failed: $p $h: $line"
  done
done
log "smoke test passed (3 routes x IPv4/IPv6 x 3 proxies, PROXY v2 address checked)"

# warm-up: every proxy gets the same short load; the ingress gets WARM_SECS more so that its JIT has compiled the
# accept/sniff/dial/relay paths before anything is measured (the first seconds of a cold JVM run at a fraction
# of its speed).
for p in "${PROXIES[@]}"; do taskset -c $LOAD_CPU "$TLSLOAD" rate 127.0.0.1 "${TLS_PORT[$p]}" 2 "$RATE_WORKERS" "$SNI_LIST" >/dev/null; done
taskset -c $LOAD_CPU "$TLSLOAD" rate ::1 "${TLS_PORT[ingress]}" "$WARM_SECS" "$RATE_WORKERS" "$SNI_LIST" >/dev/null
taskset -c $LOAD_CPU wrk -t1 -c16 -d"${WARM_SECS}s" "https://localhost:${TLS_PORT[ingress]}/" >/dev/null 2>&1 || true
taskset -c $LOAD_CPU iperf3 -c 127.0.0.1 -p "${RAW_PORT[ingress]}" -t 3 >/dev/null 2>&1 || true
log "warm-up done"

rotate() { local r=$1 n=${#PROXIES[@]} i; for ((i = 0; i < n; i++)); do echo "${PROXIES[$(((i + r) % n))]}"; done; }

# ---------------------------------------------------------------- (a) new TLS connections per second
for ((round = 1; round <= ROUNDS; round++)); do
  line=$(taskset -c $LOAD_CPU "$TLSLOAD" rate 127.0.0.1 "${BPORT[app1]}" "$RATE_SECS" "$RATE_WORKERS" app1.bench.internal --direct)
  rec direct conn_v4 "$round" "$(kv conn_per_s "$line")"; rec direct fail_v4 "$round" "$(kv fail "$line")"
  rec direct connp99_v4 "$round" "$(kv p99_ms "$line")"
  for p in $(rotate $round); do
    for fam in v4 v6; do
      h=127.0.0.1; [[ $fam == v6 ]] && h=::1
      c0=$(cpu_ticks "$p")
      line=$(taskset -c $LOAD_CPU "$TLSLOAD" rate "$h" "${TLS_PORT[$p]}" "$RATE_SECS" "$RATE_WORKERS" "$SNI_LIST")
      c1=$(cpu_ticks "$p")
      echo "$p $fam round $round: $line" >>"$OUT/rate.log"
      rec "$p" "conn_$fam" "$round" "$(kv conn_per_s "$line")"
      rec "$p" "fail_$fam" "$round" "$(kv fail "$line")"
      rec "$p" "connp99_$fam" "$round" "$(kv p99_ms "$line")"
      rec "$p" "cpu_$fam" "$round" "$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v s="$(kv secs "$line")" 'BEGIN{printf "%.0f", 100*d/hz/s}')"
      rec "$p" "connpercpus_$fam" "$round" "$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v n="$(kv ok "$line")" 'BEGIN{printf "%.0f", (d > 0 ? n / (d / hz) : 0)}')"
      log "(a) $p $fam round $round: $line"
    done
  done
done

# ---------------------------------------------------------------- (b) TLS request latency, wrk keep-alive (IPv4, SNI "localhost")
to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else if (v ~ /s$/) printf "%.3f", v*1000; else print "NA" }'; }
for ((round = 1; round <= ROUNDS; round++)); do
  for p in $(rotate $round); do
    c0=$(cpu_ticks "$p")
    taskset -c $LOAD_CPU wrk -t1 -c16 -d"${WRK_SECS}s" --latency "https://localhost:${TLS_PORT[$p]}/" >"$OUT/wrk-$p-$round.txt" 2>&1 || true
    c1=$(cpu_ticks "$p")
    f=$OUT/wrk-$p-$round.txt
    rec "$p" lat_p50 "$round" "$(to_ms "$(awk '$1=="50%"{print $2}' "$f")")"
    rec "$p" lat_p99 "$round" "$(to_ms "$(awk '$1=="99%"{print $2}' "$f")")"
    rec "$p" req_s "$round" "$(awk '/^Requests\/sec/{printf "%.0f", $2}' "$f")"
    rec "$p" wrk_errors "$round" "$(awk '/Socket errors/{gsub(",","");s=$4+$6+$8+$10} /Non-2xx/{s+=$NF} END{print s+0}' "$f")"
    rec "$p" wrk_cpu "$round" "$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v s="$WRK_SECS" 'BEGIN{printf "%.0f", 100*d/hz/s}')"
    log "(b) $p round $round: $(grep -E '^ +(50|99)%|Requests/sec' "$f" | tr -s ' ' | tr '\n' ' ')"
  done
done

# ---------------------------------------------------------------- (c) bulk throughput, tcp_raw route -> iperf3
iperf_gbps() { python3 -c 'import json,sys
try: print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e9))
except Exception: print("NA")' "$1"; }
for ((round = 1; round <= ROUNDS; round++)); do
  f=$OUT/iperf-direct-$round.json
  taskset -c $LOAD_CPU iperf3 -c 127.0.0.1 -p "$IPERF_PORT" -t "$IPERF_SECS" -J >"$f" 2>&1 || true
  rec direct gbps "$round" "$(iperf_gbps "$f")"
  for p in $(rotate $round); do
    f=$OUT/iperf-$p-$round.json
    c0=$(cpu_ticks "$p")
    taskset -c $LOAD_CPU iperf3 -c 127.0.0.1 -p "${RAW_PORT[$p]}" -t "$IPERF_SECS" -J >"$f" 2>&1 || true
    c1=$(cpu_ticks "$p")
    rec "$p" gbps "$round" "$(iperf_gbps "$f")"
    rec "$p" gbps_cpu "$round" "$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v s="$IPERF_SECS" 'BEGIN{printf "%.0f", 100*d/hz/s}')"
    log "(c) $p round $round: $(iperf_gbps "$f") Gbit/s"
    sleep 0.5
  done
done

# ---------------------------------------------------------------- (d) memory per idle connection (HOLD_N held, once)
heap_kb() {   # after a full GC: used heap of the ingress JVM in kB (jstat: S0U S1U EU OU)
  jcmd "${PID[ingress]}" GC.run >/dev/null 2>&1 || true
  sleep 1
  jstat -gc "${PID[ingress]}" | awk 'NR==1{for(i=1;i<=NF;i++) c[$i]=i} NR==2{printf "%.0f", $c["S0U"]+$c["S1U"]+$c["EU"]+$c["OU"]}'
}
active_conns() { curl -fs "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^ghost_connections_active/{s+=$NF} END{print s+0}'; }
HOLD_SECS=120
for p in "${PROXIES[@]}"; do
  sleep 2
  [[ $p == ingress ]] && h0=$(heap_kb)
  r0=$(rss_kb "$p")
  hf=$OUT/hold-$p.txt
  taskset -c $LOAD_CPU "$TLSLOAD" hold ::1 "${TLS_PORT[$p]}" "$HOLD_N" "$HOLD_SECS" app1.bench.internal >"$hf" 2>&1 &
  PID[hold]=$!
  end=$((SECONDS + 100))
  until grep -q '^held=' "$hf"; do
    (( SECONDS < end )) || die "hold client did not finish opening connections"
    kill -0 "${PID[hold]}" 2>/dev/null || die "hold client died: $(cat "$hf")"
    sleep 0.5
  done
  sleep 2
  answered=$(kv answered "$(cat "$hf")")
  if [[ $p == ingress ]]; then
    h1=$(heap_kb); act=$(active_conns)
    jcmd "${PID[ingress]}" GC.class_histogram 2>/dev/null | head -40 >"$OUT/ingress/histogram-held.txt" || true
  fi
  r1=$(rss_kb "$p")
  kill "${PID[hold]}"; wait "${PID[hold]}" 2>/dev/null || true; unset 'PID[hold]'
  rec "$p" held 1 "$answered"
  rec "$p" rss_idle_mb 1 "$(awk -v a="$r0" 'BEGIN{printf "%.1f", a/1024}')"
  rec "$p" rss_held_mb 1 "$(awk -v a="$r1" 'BEGIN{printf "%.1f", a/1024}')"
  rec "$p" rss_per_conn_kb 1 "$(awk -v a="$r0" -v b="$r1" -v n="$answered" 'BEGIN{printf "%.2f", (n > 0 ? (b - a) / n : 0)}')"
  if [[ $p == ingress ]]; then
    rec "$p" heap_idle_mb 1 "$(awk -v a="$h0" 'BEGIN{printf "%.1f", a/1024}')"
    rec "$p" heap_held_mb 1 "$(awk -v a="$h1" 'BEGIN{printf "%.1f", a/1024}')"
    rec "$p" heap_per_conn_kb 1 "$(awk -v a="$h0" -v b="$h1" -v n="$answered" 'BEGIN{printf "%.2f", (n > 0 ? (b - a) / n : 0)}')"
    rec "$p" active_gauge_held 1 "$act"
    sleep 3
    rec "$p" active_gauge_after 1 "$(active_conns)"
    rec "$p" heap_after_mb 1 "$(awk -v a="$(heap_kb)" 'BEGIN{printf "%.1f", a/1024}')"
  fi
  log "(d) $p: $(cat "$hf"), RSS $((r0 / 1024)) -> $((r1 / 1024)) MB"
done

# ---------------------------------------------------------------- summary
for p in "${PROXIES[@]}"; do kill -0 "${PID[$p]}" 2>/dev/null || log "WARNING: $p is no longer running"; done
python3 "$HERE/summarize.py" "$RES" "$OUT/machine.txt" | tee "$OUT/summary.md"
log "done; raw data in $OUT"
