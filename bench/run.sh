#!/usr/bin/env bash
# Benchmark: ghost ingress vs HAProxy 2.6 (mode tcp, req_ssl_sni, send-proxy-v2) vs nginx stream (ssl_preread,
# proxy_protocol on), same routes, same backends, measured in the same run.  Method and metrics: bench/README.md.
#
# Loopback only.  Ports are picked at run time among free ones below the ephemeral range.  Every load step is
# bounded by a duration or a count; every process started here is stopped by the EXIT trap.
#
# Knobs (environment), defaults in brackets:
#   ROUNDS [5]  WARMUP_ROUNDS [2]  RATE_SECS [5]  CONCURRENCY [64]  CONN_TIMEOUT_MS [3000]
#   LAT_RATE [4000]: connections a second offered to every proxy alike (open loop) for the latency at a fixed
#     load, below each one's saturation; 0 = skip those rounds
#   COLD_STARTS [3]  FIRST_SECS [8]  IPERF_SECS [5]  HOLD_N [10000]  INGRESS_JAVA_OPTS [docs/deployment.md JVM settings]
#   CDS_ARCHIVE [1]: make the AppCDS archive of docs/deployment.md first (a training start under load) and run the ingress with
#     it, as docs/deployment.md deploys it; 0 = without
#   TLS_HANDSHAKES [0]: 1 = also the old client with full TLS handshakes (tlsload) and wrk, on the "localhost" route
#   TLS_SECS [5]  TLS_WORKERS [16]  WRK_SECS [10]  (only with TLS_HANDSHAKES=1)
#   INGRESS_JAR [target/ingress.jar]  BUILD [auto: build target/ingress.jar only if missing | always | never]
#   OUT [bench/out/<utc-stamp>]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ROUNDS=${ROUNDS:-5}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-2}
RATE_SECS=${RATE_SECS:-5}
CONCURRENCY=${CONCURRENCY:-64}
CONN_TIMEOUT_MS=${CONN_TIMEOUT_MS:-3000}
LAT_RATE=${LAT_RATE:-4000}
COLD_STARTS=${COLD_STARTS:-3}
FIRST_SECS=${FIRST_SECS:-8}
IPERF_SECS=${IPERF_SECS:-5}
HOLD_N=${HOLD_N:-10000}
INGRESS_JAVA_OPTS=${INGRESS_JAVA_OPTS:--XX:+UseSerialGC -Xms16m -XX:MaxRAMPercentage=50 -XX:TrimNativeHeapInterval=1000 -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,java/lang/invoke/*.*,20.0 -Dio.netty.jfr.enabled=false}   # docs/deployment.md "JVM settings"; the archive is added below
CDS_ARCHIVE=${CDS_ARCHIVE:-1}
TLS_HANDSHAKES=${TLS_HANDSHAKES:-0}
TLS_SECS=${TLS_SECS:-5}
TLS_WORKERS=${TLS_WORKERS:-16}
WRK_SECS=${WRK_SECS:-10}
BUILD=${BUILD:-auto}
OUT=${OUT:-$HERE/out/$(date -u +%Y%m%dT%H%M%SZ)}
PROXIES=(ingress haproxy nginx)
LOAD_CPU=0
PROXY_CPU=1
FIX=$HERE/fixtures
HELLO_FILES=("app1=$FIX/app1-openssl.bin" "app2=$FIX/app2-chromium.bin")   # route = first label of the SNI
read -r -a JAVA_OPTS <<<"$INGRESS_JAVA_OPTS"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
NGX_STREAM=/usr/lib/nginx/modules/ngx_stream_module.so
missing=()
need() { command -v "$1" >/dev/null || missing+=("$1 (Debian: apt-get install $2)"); }
need java openjdk-17-jdk-headless; need jcmd openjdk-17-jdk-headless; need jstat openjdk-17-jdk-headless
need haproxy haproxy; need nginx nginx-light; need iperf3 iperf3; need gcc gcc; need taskset util-linux
need curl curl; need ss iproute2; need python3 python3; need pgrep procps
[[ -f $NGX_STREAM ]] || missing+=("nginx stream module $NGX_STREAM (Debian: apt-get install libnginx-mod-stream)")
for f in "${HELLO_FILES[@]}"; do
  [[ -s ${f#*=} ]] || missing+=("ClientHello fixture ${f#*=} (recapture: bench/capture-hellos.sh)")
done
if (( TLS_HANDSHAKES )); then
  need wrk wrk; need openssl openssl
  [[ -f /usr/include/openssl/ssl.h ]] || missing+=("OpenSSL headers (Debian: apt-get install libssl-dev)")
fi
if (( ${#missing[@]} )); then
  printf '  missing: %s\n' "${missing[@]}" >&2
  die "install the tools above first"
fi
(( $(nproc) >= 2 )) || die "needs 2 CPUs (proxy on CPU $PROXY_CPU, load on CPU $LOAD_CPU)"

# N held connections = 2N descriptors in each proxy.  Raise the limit as far as allowed (the hard limit needs
# CAP_SYS_RESOURCE to go up); if it stays below 2N + 300, hold fewer connections and say so.
ulimit -Hn 262144 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
MAXCONN=$(( (NOFILE - 300) / 2 ))
HOLD_NOTE=""
if (( HOLD_N > MAXCONN )); then
  HOLD_NOTE="open-file limit $NOFILE (hard limit, cannot be raised here): holding $MAXCONN instead of $HOLD_N connections"
  log "$HOLD_NOTE"
  HOLD_N=$MAXCONN
fi
(( MAXCONN > 60000 )) && MAXCONN=60000

mkdir -p "$OUT"/{backend,ingress,haproxy,nginx}
cd "$OUT"                       # every relative path and stray file stays in the output folder
RES=$OUT/results.tsv            # proxy  metric  round  value   (round "wN" = warm-up round N)
: >"$RES"
log "output in $OUT"

if [[ -z ${INGRESS_JAR:-} ]]; then
  INGRESS_JAR=$ROOT/target/ingress.jar
  if [[ $BUILD == always || ( $BUILD == auto && ! -f $INGRESS_JAR ) ]]; then
    log "building $INGRESS_JAR"
    (cd "$ROOT" && mvn -B -q -DskipTests package) >"$OUT/build.log" 2>&1 || die "build failed, see $OUT/build.log"
  fi
fi
[[ -f $INGRESS_JAR ]] || die "no $INGRESS_JAR"
# Run a private copy: a rebuild of target/ during the run must not swap classes under a running JVM.
JAR=$OUT/ingress.jar
cp "$INGRESS_JAR" "$JAR"
cc() { gcc -O2 -Wall -Wextra -o "$OUT/$1" "$HERE/$1.c" "${@:2}" 2>>"$OUT/cc.log" || die "$1 build failed, see $OUT/cc.log"; }
cc connrate -lpthread
cc hellobackend
(( TLS_HANDSHAKES )) && cc tlsload -lssl -lcrypto -lpthread
[[ -s $OUT/cc.log ]] && { log "compiler warnings:"; cat "$OUT/cc.log" >&2; }
CONNRATE=$OUT/connrate

# ---------------------------------------------------------------- processes and cleanup
declare -A PID=()
kids_of() { pgrep -P "$1" 2>/dev/null | tr '\n' ' ' || true; }
# stop_pids PID...: SIGTERM to each and to its children (nginx master + worker), wait up to 10 s, then SIGKILL
stop_pids() {
  local p all=()
  for p in "$@"; do all+=("$p" $(kids_of "$p")); done
  for p in "${all[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${all[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then kill -9 "$p" 2>/dev/null || true; fi
  done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}
stop() { [[ -n ${PID[$1]:-} ]] && stop_pids "${PID[$1]}"; unset "PID[$1]"; }
cleanup() {
  local rc=$?
  set +e
  (( ${#PID[@]} )) && stop_pids "${PID[@]}"
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
ROUTES=(app1 app2)              # TLS routes to hellobackend; the route is the first label of the SNI
SNIS=(app1.bench.internal app2.bench.internal)
if (( TLS_HANDSHAKES )); then    # + a route to a TLS-terminating backend (a name wrk can send as SNI)
  ROUTES+=(localhost)
  SNIS+=(localhost)
fi
declare -A BPORT=() TLS_PORT=() RAW_PORT=()
for r in "${ROUTES[@]}"; do pick_port "BPORT[$r]"; done
pick_port IPERF_PORT
for p in "${PROXIES[@]}"; do pick_port "TLS_PORT[$p]"; pick_port "RAW_PORT[$p]"; done
pick_port ADMIN_PORT

listening() { ss -Htln "( sport = :$1 )" | wc -l; }   # listening sockets on a port (no connection made)
wait_listening() {  # wait_listening PORT COUNT SECONDS
  local end=$((SECONDS + $3))
  until (( $(listening "$1") >= $2 )); do (( SECONDS < end )) || return 1; sleep 0.05; done
}

# ---------------------------------------------------------------- backends (CPU 0)
start_backend() {   # start_backend [--hold]: hellobackend on 127.0.0.1 and [::1] for app1 and app2
  local args=() f r
  for f in "${HELLO_FILES[@]}"; do args+=(--hello "$f"); done
  for r in app1 app2; do args+=(--listen "$r=127.0.0.1:${BPORT[$r]}" --listen "$r=[::1]:${BPORT[$r]}"); done
  taskset -c $LOAD_CPU "$OUT/hellobackend" "$@" "${args[@]}" >>"$OUT/backend/hellobackend.log" 2>&1 &
  PID[backend]=$!
  for r in app1 app2; do wait_listening "${BPORT[$r]}" 2 10 || die "hellobackend not up, see $OUT/backend/"; done
}
start_backend
taskset -c $LOAD_CPU iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT" >"$OUT/iperf3-server.log" 2>&1 &
PID[iperf3]=$!
wait_listening "$IPERF_PORT" 1 10 || die "iperf3 server not up"

if (( TLS_HANDSHAKES )); then   # the old TLS-terminating backend for tlsload and wrk, route "localhost" only
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench \
    -addext "subjectAltName=DNS:localhost" -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null
  mkdir -p "$OUT/tlsbackend/tmp"
  {
    echo "worker_processes 1; worker_rlimit_nofile $NOFILE; daemon off; pid $OUT/tlsbackend/nginx.pid;"
    echo "error_log $OUT/tlsbackend/error.log warn;"
    echo "events { worker_connections $((NOFILE - 100)); }"
    echo "http {"
    echo "  access_log off; default_type text/plain;"
    for d in client_body proxy fastcgi uwsgi scgi; do echo "  ${d}_temp_path $OUT/tlsbackend/tmp/$d;"; done
    echo "  ssl_certificate $OUT/cert.pem; ssl_certificate_key $OUT/key.pem;"
    echo "  ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off;"
    echo "  keepalive_timeout 600s; keepalive_requests 100000000;"
    echo "  server { listen 127.0.0.1:${BPORT[localhost]} ssl proxy_protocol;"
    echo "           return 200 \"localhost \$proxy_protocol_addr:\$proxy_protocol_port\\n\"; }"
    echo "}"
  } >"$OUT/tlsbackend/nginx.conf"
  taskset -c $LOAD_CPU nginx -p "$OUT/tlsbackend" -e "$OUT/tlsbackend/error.log" -c "$OUT/tlsbackend/nginx.conf" \
    >"$OUT/tlsbackend/stdout.log" 2>&1 &
  PID[tlsbackend]=$!
  wait_listening "${BPORT[localhost]}" 1 10 || die "TLS backend not up"
fi

# ---------------------------------------------------------------- proxy configurations (same routes everywhere)
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
  for i in "${!ROUTES[@]}"; do echo "  use_backend be_${ROUTES[$i]} if { req_ssl_sni -i ${SNIS[$i]} }"; done
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
{
  # nginx stream can only send PROXY protocol v1 (text); hellobackend accepts it and counts it apart (proxy_v1=)
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

start_proxy() {   # start_proxy NAME: on CPU 1, logs appended (a proxy may be started several times)
  case $1 in
    ingress) taskset -c $PROXY_CPU java "${JAVA_OPTS[@]}" -jar "$JAR" --config "$OUT/ingress/ingress.toml" \
               >>"$OUT/ingress/stdout.log" 2>>"$OUT/ingress/stderr.log" & ;;
    haproxy) taskset -c $PROXY_CPU haproxy -db -f "$OUT/haproxy/haproxy.cfg" >>"$OUT/haproxy/stdout.log" 2>&1 & ;;
    nginx)   taskset -c $PROXY_CPU nginx -p "$OUT/nginx" -e "$OUT/nginx/error.log" -c "$OUT/nginx/nginx.conf" \
               >>"$OUT/nginx/stdout.log" 2>&1 & ;;
  esac
  PID[$1]=$!
}
ready() {   # ready NAME: both TLS listeners and the raw one are bound (no connection made); ingress: /readyz too
  (( $(listening "${TLS_PORT[$1]}") >= 2 && $(listening "${RAW_PORT[$1]}") >= 1 )) || return 1
  [[ $1 != ingress ]] || curl -fs "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null 2>&1
}
wait_ready() {   # wait_ready NAME: polls ready() every 50 ms; 90 s at most
  local end=$((SECONDS + 90))
  until ready "$1"; do
    kill -0 "${PID[$1]}" 2>/dev/null || die "$1 exited, see $OUT/$1/"
    (( SECONDS < end )) || die "$1 not ready after 90 s, see $OUT/$1/"
    sleep 0.05
  done
}

# ---------------------------------------------------------------- measuring helpers
proxy_pids() {   # process ids whose CPU and RSS count as "the proxy" (nginx: master + worker)
  case $1 in
    direct) ;;
    nginx) echo "${PID[nginx]} $(kids_of "${PID[nginx]}")" ;;
    *) echo "${PID[$1]}" ;;
  esac
}
ticks_of() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
cpu_ticks() { ticks_of $(proxy_pids "$1"); }
rss_kb() {
  local t=0 p
  for p in $(proxy_pids "$1"); do t=$((t + $(awk '/^VmRSS/{print $2}' "/proc/$p/status"))); done
  echo $t
}
HZ=$(getconf CLK_TCK)
rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RES"; }
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
kv0() { local v; v=$(kv "$@"); echo "${v:-0}"; }
calc() { awk "BEGIN{ printf \"$1\", $2 }"; }     # calc FORMAT EXPRESSION
rotate() { local r=$1 n=${#PROXIES[@]} i; for ((i = 0; i < n; i++)); do echo "${PROXIES[$(((i + r) % n))]}"; done; }
HELLO_ARGS=()
for f in "${HELLO_FILES[@]}"; do HELLO_ARGS+=(-H "$f"); done
connrate() { taskset -c $LOAD_CPU "$CONNRATE" -q -c "$CONCURRENCY" -T "$CONN_TIMEOUT_MS" "${HELLO_ARGS[@]}" "$@"; }
target() {   # target PROXY FAMILY: "HOST PORT [options]" for connrate; direct = straight to the backend + PROXY v2
  local h=127.0.0.1
  [[ $2 == v6 ]] && h=::1
  if [[ $1 == direct ]]; then echo "-x -P app1=${BPORT[app1]} -P app2=${BPORT[app2]} $h ${BPORT[app1]}"
  else echo "$h ${TLS_PORT[$1]}"; fi
}
backend_stats() { kill -USR1 "${PID[backend]}"; sleep 0.1; tail -1 "$OUT/backend/hellobackend.log"; }
# System-wide kernel TCP counters that explain failures and 1 s / 3 s latency tails (a dropped SYN is retransmitted
# after 1 s): printed as "Name=value ...", compared before/after each connection-rate run.
TCP_KEYS="ListenOverflows TCPSynRetrans TCPTimeWaitOverflow PAWSTimewait TCPChallengeACK TCPAbortOnData"
TCP_KEYS+=" AttemptFails EstabResets OutRsts"
tcp_counters() {
  awk -v keys="$TCP_KEYS" 'BEGIN { n = split(keys, k, " "); for (i = 1; i <= n; i++) want[k[i]] = 1 }
    $1 ~ /^Tcp(Ext)?:$/ { if (seen[$1]++ % 2 == 0) { for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
                          for (i = 2; i <= NF; i++) if (want[name[$1, i]]) printf "%s=%s ", name[$1, i], $i }' \
    /proc/net/netstat /proc/net/snmp
}
tcp_delta() {   # tcp_delta BEFORE AFTER: the counters that moved, "Name+N ..." ("none" if none)
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); v[kv[1]] = kv[2] }
    n = split(b, y, " ")
    for (i = 1; i <= n; i++) {
      split(y[i], kv, "="); d = kv[2] - v[kv[1]]
      if (d) { printf "%s%s+%d", sep, kv[1], d; sep = " " }
    }
    if (sep == "") printf "none" }'
}

# ---------------------------------------------------------------- versions
{
  echo "date: $(date -u)"
  echo "nproc: $(nproc)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "jdk: $(java -version 2>&1 | head -1)"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "iperf3: $(iperf3 -v | head -1)"
  dirty=$(cd "$ROOT" && git status --porcelain -- src pom.xml 2>/dev/null | head -1)
  echo "ingress: $INGRESS_JAR, sha256 $(sha256sum "$JAR" | cut -c1-16), $(java -jar "$JAR" --version 2>&1 | head -1);" \
       "work tree $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)${dirty:+ + uncommitted changes in src/pom.xml};" \
       "java ${JAVA_OPTS[*]}$([[ $CDS_ARCHIVE == 1 ]] && echo " -XX:SharedArchiveFile=(made in step 0)")"
  for f in "${HELLO_FILES[@]}"; do echo "hello ${f%%=*}: ${f#*=} ($(stat -c %s "${f#*=}") bytes)"; done
  echo "open-file limit: $NOFILE (held connections: $HOLD_N)${HOLD_NOTE:+; $HOLD_NOTE}"
  echo "params: ROUNDS=$ROUNDS WARMUP_ROUNDS=$WARMUP_ROUNDS RATE_SECS=$RATE_SECS CONCURRENCY=$CONCURRENCY" \
       "CONN_TIMEOUT_MS=$CONN_TIMEOUT_MS COLD_STARTS=$COLD_STARTS FIRST_SECS=$FIRST_SECS IPERF_SECS=$IPERF_SECS" \
       "HOLD_N=$HOLD_N TLS_HANDSHAKES=$TLS_HANDSHAKES"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ---------------------------------------------------------------- (0) the AppCDS archive, made as docs/deployment.md says
# A training start with -XX:ArchiveClassesAtExit, a few seconds of connections through both routes, SIGTERM (the JVM
# writes the archive as it exits); from here on every ingress start maps it.
if [[ $CDS_ARCHIVE == 1 ]]; then
  JSA="$OUT/ingress/ingress.jsa"
  TRAIN_OPTS=("${JAVA_OPTS[@]}")
  JAVA_OPTS=("${TRAIN_OPTS[@]}" "-XX:ArchiveClassesAtExit=$JSA")
  start_proxy ingress
  wait_ready ingress
  connrate -d 3 $(target ingress v4) >/dev/null
  stop ingress
  [[ -s $JSA ]] || die "no AppCDS archive at $JSA, see $OUT/ingress/"
  JAVA_OPTS=("${TRAIN_OPTS[@]}" "-XX:SharedArchiveFile=$JSA")
  log "(0) AppCDS archive: $JSA ($(( $(stat -c %s "$JSA") / 1048576 )) MB)"
fi

# ---------------------------------------------------------------- (1) cold starts: RSS at start, first seconds
# Each proxy is (re)started alone; as soon as it is ready: its RSS, then at once FIRST_SECS of connection load with
# a count per second (the JVM's JIT warms up under this load).  The order rotates over the cold starts.
for ((c = 1; c <= COLD_STARTS; c++)); do
  for p in $(rotate "$c"); do
    stop "$p"
    t0=$EPOCHREALTIME
    start_proxy "$p"
    wait_ready "$p"
    startup=$(calc %.2f "$EPOCHREALTIME - $t0")
    rec "$p" startup_s "$c" "$startup"
    rec "$p" rss_start_mb "$c" "$(calc %.1f "$(rss_kb "$p") / 1024")"
    k0=$(tcp_counters)
    line=$(connrate -d "$FIRST_SECS" $(target "$p" v4))
    echo "$p cold start $c: $line | kernel: $(tcp_delta "$k0" "$(tcp_counters)")" >>"$OUT/rate.log"
    IFS=, read -r -a sec <<<"$(kv persec "$line")"
    for i in "${!sec[@]}"; do rec "$p" "first_s$((i + 1))" "$c" "${sec[$i]}"; done
    rec "$p" first_fail "$c" "$(kv fail "$line")"
    log "(1) $p cold start $c: ready in $startup s, conn/s in each second: $(kv persec "$line"), failures $(kv fail "$line")"
  done
done

# ---------------------------------------------------------------- smoke test: every proxy, both families, both hellos
# With --bye on both ends: after the checked answer one more message goes each way through the relay the proxy set
# up, which the measured exchange (hello in, answer and end of stream out) alone does not prove.
stop backend
start_backend --bye
for p in direct "${PROXIES[@]}"; do
  for fam in v4 v6; do
    line=$(connrate --bye -n 200 -d 10 $(target "$p" "$fam"))
    echo "$p $fam smoke test: $line" >>"$OUT/rate.log"
    [[ $(kv ok "$line") == 200 && $(kv fail "$line") == 0 ]] || die "smoke test failed: $p $fam: $line"
  done
done
log "smoke test passed: 2 routes x IPv4/IPv6 x 3 proxies + direct; route, hello bytes, PROXY source and relay both ways checked"
stop backend
start_backend

# ---------------------------------------------------------------- (2) connection rate: warm-up, then measured rounds
measure_rate() {   # measure_rate PROXY FAMILY TAG
  local p=$1 fam=$2 tag=$3 line c0 c1 b0 b1 k0 k1 tcp secs ok k
  k0=$(tcp_counters); c0=$(cpu_ticks "$p"); b0=$(ticks_of "${PID[backend]}")
  line=$(connrate -d "$RATE_SECS" $(target "$p" "$fam"))
  c1=$(cpu_ticks "$p"); b1=$(ticks_of "${PID[backend]}"); k1=$(tcp_counters)
  tcp=$(tcp_delta "$k0" "$k1")
  echo "$p $fam round $tag: $line | backend: $(backend_stats) | kernel: $tcp" >>"$OUT/rate.log"
  rec "$p" "synretrans_$fam" "$tag" "$(kv0 TCPSynRetrans "${tcp//+/=}")"
  rec "$p" "listenovf_$fam" "$tag" "$(kv0 ListenOverflows "${tcp//+/=}")"
  secs=$(kv secs "$line"); ok=$(kv ok "$line")
  rec "$p" "conn_$fam" "$tag" "$(kv conn_per_s "$line")"
  for k in p50 p99 p999; do rec "$p" "${k}_$fam" "$tag" "$(kv "${k}_us" "$line")"; done
  rec "$p" "fail_$fam" "$tag" "$(kv fail "$line")"
  for k in connect timeout wrong reset eof; do rec "$p" "fail_${k}_$fam" "$tag" "$(kv "fail_$k" "$line")"; done
  rec "$p" "lg_util_$fam" "$tag" "$(kv cpu_util "$line")"
  rec "$p" "cpu0_util_$fam" "$tag" "$(calc %.3f "($(kv cpu_s "$line") + ($b1 - $b0) / $HZ) / $secs")"
  if [[ $p != direct ]]; then
    rec "$p" "cpuk_$fam" "$tag" "$(calc %.4f "($ok > 0 ? ($c1 - $c0) / $HZ / $ok * 1000 : 0)")"
    rec "$p" "util_$fam" "$tag" "$(calc %.3f "($c1 - $c0) / $HZ / $secs")"
  fi
  log "(2) $p $fam round $tag: $(kv conn_per_s "$line") conn/s," \
      "p50/p99/p99.9 $(kv p50_us "$line")/$(kv p99_us "$line")/$(kv p999_us "$line") us, failures $(kv fail "$line")," \
      "proxy CPU $(calc %.2f "($c1 - $c0) / $HZ / $secs"), load generator CPU $(kv cpu_util "$line"); kernel: $tcp"
}
for ((r = 1; r <= WARMUP_ROUNDS + ROUNDS; r++)); do
  tag=w$r
  (( r > WARMUP_ROUNDS )) && tag=$((r - WARMUP_ROUNDS))
  if [[ $tag != w* ]]; then measure_rate direct v4 "$tag"; measure_rate direct v6 "$tag"; fi
  for p in $(rotate "$r"); do
    measure_rate "$p" v4 "$tag"
    measure_rate "$p" v6 "$tag"
  done
done

# ---------------------------------------------------------------- (2b) latency at a fixed offered rate
# At saturation (2) a proxy's p99 is mostly its own queue, and a proxy faster than the load generator (nginx here,
# some rounds) is measured at the load generator's rate instead. Offered the same LAT_RATE connections a second,
# open loop (connrate --rate), every proxy runs below saturation and the tail is what a connection costs it.
measure_fixed() {   # measure_fixed PROXY FAMILY TAG
  local p=$1 fam=$2 tag=$3 line c0 c1 secs k
  c0=$(cpu_ticks "$p")
  line=$(connrate -R "$LAT_RATE" -c 2000 -d "$RATE_SECS" $(target "$p" "$fam"))
  c1=$(cpu_ticks "$p")
  echo "$p $fam fixed rate round $tag: $line | backend: $(backend_stats)" >>"$OUT/rate.log"
  secs=$(kv secs "$line")
  for k in p50 p99 p999; do rec "$p" "f${k}_$fam" "$tag" "$(kv "${k}_us" "$line")"; done
  rec "$p" "fconn_$fam" "$tag" "$(kv conn_per_s "$line")"
  rec "$p" "fcapped_$fam" "$tag" "$(kv capped "$line")"
  rec "$p" "ffail_$fam" "$tag" "$(kv fail "$line")"
  rec "$p" "flg_util_$fam" "$tag" "$(kv cpu_util "$line")"
  [[ $p != direct ]] && rec "$p" "futil_$fam" "$tag" "$(calc %.3f "($c1 - $c0) / $HZ / $secs")"
  log "(2b) $p $fam at $LAT_RATE conn/s, round $tag: p50/p99/p99.9 $(kv p50_us "$line")/$(kv p99_us "$line")/" \
      "$(kv p999_us "$line") us, not started (capped) $(kv capped "$line"), failures $(kv fail "$line")," \
      "proxy CPU $(calc %.2f "($c1 - $c0) / $HZ / $secs")"
}
if (( LAT_RATE > 0 )); then
  for ((r = 1; r <= ROUNDS; r++)); do
    measure_fixed direct v4 "$r"
    for p in $(rotate "$r"); do
      measure_fixed "$p" v4 "$r"
      measure_fixed "$p" v6 "$r"
    done
  done
fi

# ---------------------------------------------------------------- (3) optional: full TLS handshakes and wrk (old client)
if (( TLS_HANDSHAKES )); then
  to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else if (v ~ /s$/) printf "%.3f", v*1000; else print "NA" }'; }
  for ((round = 1; round <= ROUNDS; round++)); do
    for p in $(rotate "$round"); do
      for fam in v4 v6; do
        h=127.0.0.1; [[ $fam == v6 ]] && h=::1
        c0=$(cpu_ticks "$p")
        line=$(taskset -c $LOAD_CPU "$OUT/tlsload" rate "$h" "${TLS_PORT[$p]}" "$TLS_SECS" "$TLS_WORKERS" localhost)
        c1=$(cpu_ticks "$p")
        echo "$p tls $fam round $round: $line" >>"$OUT/rate.log"
        rec "$p" "tls_conn_$fam" "$round" "$(kv conn_per_s "$line")"
        rec "$p" "tls_fail_$fam" "$round" "$(kv fail "$line")"
        rec "$p" "tls_cpuk_$fam" "$round" "$(calc %.4f "($(kv ok "$line") > 0 ? ($c1 - $c0) / $HZ / $(kv ok "$line") * 1000 : 0)")"
      done
      f=$OUT/wrk-$p-$round.txt
      taskset -c $LOAD_CPU wrk -t1 -c16 -d"${WRK_SECS}s" --latency "https://localhost:${TLS_PORT[$p]}/" >"$f" 2>&1 || true
      rec "$p" wrk_p50 "$round" "$(to_ms "$(awk '$1=="50%"{print $2}' "$f")")"
      rec "$p" wrk_p99 "$round" "$(to_ms "$(awk '$1=="99%"{print $2}' "$f")")"
      rec "$p" wrk_req_s "$round" "$(awk '/^Requests\/sec/{printf "%.0f", $2}' "$f")"
      rec "$p" wrk_errors "$round" "$(awk '/Socket errors/{gsub(",","");s=$4+$6+$8+$10} /Non-2xx/{s+=$NF} END{print s+0}' "$f")"
      log "(3) $p round $round: TLS handshakes done, wrk $(awk '/^Requests\/sec/{print $2}' "$f") req/s"
    done
  done
fi

# ---------------------------------------------------------------- (4) bulk throughput, tcp_raw route -> iperf3
iperf_stats() { python3 -c 'import json,sys
try:
    s = json.load(open(sys.argv[1]))["end"]["sum_received"]
    print("%.2f %d" % (s["bits_per_second"] / 1e9, s["bytes"]))
except Exception:
    print("NA 0")' "$1"; }
for ((round = 1; round <= ROUNDS; round++)); do
  f=$OUT/iperf-direct-$round.json
  taskset -c $LOAD_CPU iperf3 -c 127.0.0.1 -p "$IPERF_PORT" -t "$IPERF_SECS" -J >"$f" 2>&1 || true
  read -r gbps _ <<<"$(iperf_stats "$f")"
  rec direct gbps "$round" "$gbps"
  for p in $(rotate "$round"); do
    f=$OUT/iperf-$p-$round.json
    c0=$(cpu_ticks "$p")
    taskset -c $LOAD_CPU iperf3 -c 127.0.0.1 -p "${RAW_PORT[$p]}" -t "$IPERF_SECS" -J >"$f" 2>&1 || true
    c1=$(cpu_ticks "$p")
    read -r gbps bytes <<<"$(iperf_stats "$f")"
    rec "$p" gbps "$round" "$gbps"
    rec "$p" cpu_per_gb "$round" "$(calc %.4f "($bytes > 0 ? ($c1 - $c0) / $HZ / ($bytes / 1e9) : 0)")"
    rec "$p" gbps_util "$round" "$(calc %.3f "($c1 - $c0) / $HZ / $IPERF_SECS")"
    log "(4) $p round $round: $gbps Gbit/s, proxy CPU $(calc %.2f "($c1 - $c0) / $HZ / $IPERF_SECS")"
    sleep 0.5
  done
done

# ---------------------------------------------------------------- (5) memory per idle connection (HOLD_N held, once)
heap_kb() {   # after a full GC: used heap of the ingress JVM in kB (jstat: S0U S1U EU OU)
  jcmd "${PID[ingress]}" GC.run >/dev/null 2>&1 || true
  sleep 1
  jstat -gc "${PID[ingress]}" | awk 'NR==1{for(i=1;i<=NF;i++) c[$i]=i} NR==2{printf "%.0f", $c["S0U"]+$c["S1U"]+$c["EU"]+$c["OU"]}'
}
active_conns() { curl -fs "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^ghost_connections_active/{s+=$NF} END{print s+0}'; }
curl -fs "http://127.0.0.1:$ADMIN_PORT/metrics" >"$OUT/ingress/metrics-before-hold.txt" 2>/dev/null || true
log "(5) backend before the hold: $(backend_stats)"
stop backend
start_backend --hold          # answers, then keeps each connection open until the client closes it
HOLD_SECS=120
for p in "${PROXIES[@]}"; do
  sleep 2
  [[ $p == ingress ]] && h0=$(heap_kb)
  r0=$(rss_kb "$p")
  hf=$OUT/hold-$p.txt
  : >"$hf"
  connrate --hold "$HOLD_N" --hold-secs "$HOLD_SECS" -d 100 $(target "$p" v6) >"$hf" 2>&1 &
  PID[hold]=$!
  end=$((SECONDS + 110))
  until grep -q '^held=' "$hf"; do
    (( SECONDS < end )) || die "hold client did not finish opening connections"
    kill -0 "${PID[hold]}" 2>/dev/null || die "hold client died: $(cat "$hf")"
    sleep 0.5
  done
  sleep 2
  line=$(grep '^held=' "$hf")
  held=$(kv held "$line")
  if [[ $p == ingress ]]; then
    h1=$(heap_kb); act=$(active_conns)
    jcmd "${PID[ingress]}" GC.class_histogram 2>/dev/null | head -40 >"$OUT/ingress/histogram-held.txt" || true
  fi
  r1=$(rss_kb "$p")
  stop hold                     # connrate then reports how many held connections had ended before it let go
  rec "$p" held 1 "$held"
  rec "$p" hold_failed 1 "$(kv failed "$line")"
  rec "$p" hold_dropped 1 "$(sed -n 's/.* held, \([0-9]*\) ended early.*/\1/p' "$hf")"
  rec "$p" rss_idle_mb 1 "$(calc %.1f "$r0 / 1024")"
  rec "$p" rss_held_mb 1 "$(calc %.1f "$r1 / 1024")"
  rec "$p" rss_per_conn_kb 1 "$(calc %.2f "($held > 0 ? ($r1 - $r0) / $held : 0)")"
  if [[ $p == ingress ]]; then
    rec "$p" heap_idle_mb 1 "$(calc %.1f "$h0 / 1024")"
    rec "$p" heap_held_mb 1 "$(calc %.1f "$h1 / 1024")"
    rec "$p" heap_per_conn_kb 1 "$(calc %.2f "($held > 0 ? ($h1 - $h0) / $held : 0)")"
    rec "$p" active_gauge_held 1 "$act"
    sleep 3
    rec "$p" active_gauge_after 1 "$(active_conns)"
    rec "$p" heap_after_mb 1 "$(calc %.1f "$(heap_kb) / 1024")"
  fi
  log "(5) $p: $line, RSS $((r0 / 1024)) -> $((r1 / 1024)) MB"
done
log "(5) backend after the hold: $(backend_stats)"

# ---------------------------------------------------------------- summary
curl -fs "http://127.0.0.1:$ADMIN_PORT/metrics" >"$OUT/ingress/metrics-end.txt" 2>/dev/null || true
for p in "${PROXIES[@]}"; do kill -0 "${PID[$p]}" 2>/dev/null || log "WARNING: $p is no longer running"; done
python3 "$HERE/summarize.py" "$RES" "$OUT/machine.txt" | tee "$OUT/summary.md"
log "done; raw data in $OUT"
