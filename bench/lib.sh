# Shared by bench/ab.sh and bench/syscalls.sh (sourced, after HERE is set): logging, the tools check, the load
# generator and backend built from source, every started process stopped at exit, free ports, waiting to a deadline.

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
need() { for t in "$@"; do command -v "$t" >/dev/null || die "needs $t"; done; }

# builds connrate and hellobackend into the current directory
build_load_tools() {
  gcc -O2 -o connrate "$HERE/connrate.c" -lpthread && gcc -O2 -o hellobackend "$HERE/hellobackend.c" || die "cc"
}

# PID[name]=pid for every process started: all are stopped when the script exits, however it exits
declare -A PID=()
cleanup() {
  set +e
  for p in "${PID[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PID[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A TAKEN=()
pick_port() {   # pick_port VAR: a port in 20000-31999 nobody listens on (below the ephemeral range 32768+)
  local p used
  used=" $(ss -Htanl | awk '{n=split($4,a,":"); printf "%s ", a[n]}') "
  for _ in $(seq 500); do
    p=$((20000 + RANDOM % 12000))
    [[ $used == *" $p "* || -n ${TAKEN[$p]:-} ]] && continue
    TAKEN[$p]=1; printf -v "$1" '%s' "$p"; return 0
  done
  die "no free port"
}

# wait_for 'CONDITION': polls a shell condition every 50 ms for up to 60 s
wait_for() { local end=$((SECONDS + 60)); until eval "$1"; do (( SECONDS < end )) || die "timed out: $1"; sleep 0.05; done; }

# the backends on CPU 0: hellobackend answers app1 on $B1 and app2 on $B2 (FIX: the captured hellos)
start_backend() {
  taskset -c 0 ./hellobackend --hello "app1=$FIX/app1-openssl.bin" --hello "app2=$FIX/app2-chromium.bin" \
    --listen "app1=127.0.0.1:$B1" --listen "app2=127.0.0.1:$B2" >backend.log 2>&1 &
  PID[backend]=$!
}

# the ingress's config: two TLS routes with PROXY v2 to $B1 and $B2 and one raw route, IPv4 on 127.0.0.1
ingress_toml() {   # ingress_toml TLS_PORT RAW_PORT ADMIN_PORT STATE
  cat <<EOF
[listen]
ipv6 = []
ipv4 = ["127.0.0.1:$1"]
[admin]
listen = "127.0.0.1:$3"
[state]
file = "$OUT/$4.json"
[log]
level = "warn"
access = false
[[env]]
id = "bench"
ipv4 = "127.0.0.1"
[[route]]
id = "app1"
hostname = "app1.bench.internal"
port = $1
protocol = "tls_passthrough"
proxy_protocol = "v2"
backends = ["127.0.0.1:$B1"]
env = "bench"
[[route]]
id = "app2"
hostname = "app2.bench.internal"
port = $1
protocol = "tls_passthrough"
proxy_protocol = "v2"
backends = ["127.0.0.1:$B2"]
env = "bench"
[[route]]
id = "raw"
port = $2
protocol = "tcp_raw"
backends = ["127.0.0.1:$B1"]
env = "bench"
EOF
}

# HAProxy 2.6's equivalent config on 127.0.0.1:$TH, one thread (haproxy.cfg in the current directory)
write_haproxy_cfg() {
  cat >haproxy.cfg <<EOF
global
  maxconn 4000
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 10m
  timeout server 10m
frontend tls
  bind 127.0.0.1:$TH
  tcp-request inspect-delay 5s
  tcp-request content accept if { req_ssl_hello_type 1 }
  use_backend be_app1 if { req_ssl_sni -i app1.bench.internal }
  use_backend be_app2 if { req_ssl_sni -i app2.bench.internal }
backend be_app1
  server s1 127.0.0.1:$B1 send-proxy-v2
backend be_app2
  server s1 127.0.0.1:$B2 send-proxy-v2
EOF
}

# nginx stream's equivalent config on 127.0.0.1:$TN, one worker (nginx.conf in the current directory); nginx can only
# send PROXY protocol v1 (text), which hellobackend accepts and counts apart
NGX_STREAM=/usr/lib/nginx/modules/ngx_stream_module.so
write_nginx_conf() {
  cat >nginx.conf <<EOF
load_module $NGX_STREAM;
worker_processes 1; daemon off; pid $PWD/nginx.pid;
error_log $PWD/nginx-error.log warn;
events { worker_connections 4000; }
stream {
  map \$ssl_preread_server_name \$upstream {
    app1.bench.internal 127.0.0.1:$B1;
    app2.bench.internal 127.0.0.1:$B2;
    default "";
  }
  server { listen 127.0.0.1:$TN; ssl_preread on; proxy_pass \$upstream; proxy_protocol on; }
}
EOF
}
