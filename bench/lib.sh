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
