#!/usr/bin/env bash
# ghost ingress: the 3-node fleet of docker-compose.yml as local processes on loopback (no Docker).
#
#   cluster/run-local-fleet.sh            start everything, wait until every node is ready, print how to reach it,
#                                         run until Ctrl-C (which stops everything)
#   cluster/run-local-fleet.sh --check    the same, then curl every route through every node and stop (exit 0 if
#                                         all answered)
#
# What runs (ports can be moved with the variables below):
#   dev control plane  127.0.0.1:8080          from a copy of cluster/compose/control-plane.toml in which every
#                                              instance's overlay_ipv6 is "::1" and route N's backend_port is 9443+N-1
#   sample workloads   [::1]:9443, [::1]:9444  one per route (myapp.example.com, other.example.com)
#   node local-1..3    routes for port 443 served on [::1]:8441 / 8442 / 8443 (GHOST_PORT_MAP=443=844N)
#                      admin 127.0.0.1:9911 / 9912 / 9913, cluster ports 5711-5713, event bus 5721-5723
# The nodes are started with the cluster settings (GHOST_CLUSTER_MEMBERS = the three loopback members) and a shared
# secret generated for this run ($WORK/cluster.secret, mode 600: GHOST_CLUSTER_SECRET_FILE), so the event bus runs
# mutual TLS and every cluster value is signed, as in production. A build
# without the cluster feature validates them and runs each node standalone, synced from the control plane; the
# script says which it found (GET /v1/fleet).
# Logs and state files live in a temporary directory, removed on exit (FLEET_KEEP=1 keeps it).
# The nodes are listed (NAME PID ADMIN_URL LOG_FILE per line) in $FLEET_NODES_FILE, default
# ${TMPDIR:-/tmp}/ghost-local-fleet.nodes, for cluster/rolling-restart.sh, which restarts them one at a time and
# writes the new PIDs back; a node may be down for up to FLEET_NODE_DOWN_GRACE_S [120] seconds before this script
# gives up on it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="${GHOST_JAR:-$ROOT/target/ingress.jar}"
CP_TEMPLATE="$ROOT/cluster/compose/control-plane.toml"
CP_PORT="${FLEET_CP_PORT:-8080}"
WORKLOAD_BASE_PORT="${FLEET_WORKLOAD_BASE_PORT:-9443}"
READY_TIMEOUT_S="${FLEET_READY_TIMEOUT_S:-90}"
NODES_FILE="${FLEET_NODES_FILE:-${TMPDIR:-/tmp}/ghost-local-fleet.nodes}"
NODE_DOWN_GRACE_S="${FLEET_NODE_DOWN_GRACE_S:-120}"
NODES=(1 2 3)
node_port()     { echo $((8440 + $1)); }   # where node N serves the routes for port 443
admin_port()    { echo $((9910 + $1)); }
cluster_port()  { echo $((5710 + $1)); }
eventbus_port() { echo $((5720 + $1)); }
CA="$ROOT/src/main/resources/dev-tls/ca.pem"

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
  *) echo "run-local-fleet: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

for tool in java curl awk; do
  command -v "$tool" >/dev/null || { echo "run-local-fleet: '$tool' not found on PATH" >&2; exit 2; }
done
if [[ ! -f "$JAR" ]]; then
  echo "run-local-fleet: $JAR missing, building it (mvn -B -q -DskipTests package)"
  (cd "$ROOT" && mvn -B -q -DskipTests package)
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ghost-fleet.XXXXXX")"
PIDS=()
# the current PIDs of the nodes (a rolling restart replaces them)
node_pids() { [[ -r "$NODES_FILE" ]] && awk '!/^#/ && NF >= 2 { print $2 }' "$NODES_FILE" || true; }
cleanup() {
  trap - EXIT INT TERM
  mapfile -t restarted < <(node_pids)
  for pid in "${restarted[@]}"; do
    [[ " ${PIDS[*]} " == *" $pid "* ]] || PIDS+=("$pid")
  done
  rm -f "$NODES_FILE"
  if ((${#PIDS[@]})); then
    echo "run-local-fleet: stopping ${#PIDS[@]} processes"
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    done
  fi
  if [[ "${FLEET_KEEP:-0}" == 1 ]]; then
    echo "run-local-fleet: logs and state kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() { # name, then the command; output goes to $WORK/name.log
  local name="$1"; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=("$!")
  eval "PID_${name//-/_}=$!"
}

fail_with_log() { # name, message
  echo "run-local-fleet: $2; last lines of $1.log:" >&2
  tail -n 20 "$WORK/$1.log" >&2 || true
  exit 1
}

# ---- the control plane's file, adjusted to loopback
CP_STATE="$WORK/control-plane.toml"
awk -v base="$WORKLOAD_BASE_PORT" '
  /^\[\[/              { table = $0; if ($0 == "[[route]]") route++ }
  table == "[[instance]]" && $1 == "overlay_ipv6" { print "overlay_ipv6 = \"::1\""; next }
  table == "[[route]]" && $1 == "backend_port"    { print "backend_port = " (base + route - 1); next }
  { print }
' "$CP_TEMPLATE" >"$CP_STATE"
toml_top() { sed -n "s/^$1 *= *\"\\(.*\\)\"/\\1/p" "$CP_STATE" | head -n 1; }
ORG="$(toml_top org)"
TOKEN="$(toml_top token)"
mapfile -t HOSTNAMES < <(sed -n 's/^hostname *= *"\(.*\)"/\1/p' "$CP_STATE")
mapfile -t BACKEND_PORTS < <(sed -n 's/^backend_port *= *\([0-9]*\)/\1/p' "$CP_STATE")

start control-plane java -jar "$JAR" dev-control-plane --state "$CP_STATE" --listen "127.0.0.1:$CP_PORT"
for i in "${!BACKEND_PORTS[@]}"; do
  start "workload-$((i + 1))" java -jar "$JAR" sample-workload --listen "[::1]:${BACKEND_PORTS[$i]}"
done

# the fleet's shared secret, fresh for this run: 32 random bytes as 64 hex characters, readable by this user only
SECRET_FILE="$WORK/cluster.secret"
(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$SECRET_FILE")

MEMBERS=""
for n in "${NODES[@]}"; do MEMBERS+="${MEMBERS:+,}127.0.0.1:$(cluster_port "$n")"; done
for n in "${NODES[@]}"; do
  mkdir -p "$WORK/node-$n"
  start "node-$n" env \
    GHOST_NODE_ID="local-$n" \
    GHOST_LISTEN_ADDR_IPV6="[::1]:443" \
    GHOST_PORT_MAP="443=$(node_port "$n")" \
    GHOST_ADMIN_ADDR="127.0.0.1:$(admin_port "$n")" \
    GHOST_STATE_FILE="$WORK/node-$n/ingress-state.json" \
    GHOST_CONTROL_PLANE_URL="http://127.0.0.1:$CP_PORT" \
    GHOST_API_TOKEN="$TOKEN" \
    GHOST_ORG_ID="$ORG" \
    GHOST_CLUSTER_MEMBERS="$MEMBERS" \
    GHOST_CLUSTER_HOST="127.0.0.1" \
    GHOST_CLUSTER_PORT="$(cluster_port "$n")" \
    GHOST_EVENTBUS_PORT="$(eventbus_port "$n")" \
    GHOST_CLUSTER_NAME="ghost-local-fleet" \
    GHOST_CLUSTER_SECRET_FILE="$SECRET_FILE" \
    java -jar "$JAR"
done
{
  echo "# NAME PID ADMIN_URL LOG_FILE (cluster/run-local-fleet.sh; cluster/rolling-restart.sh updates the PIDs)"
  for n in "${NODES[@]}"; do
    pid_var="PID_node_$n"
    echo "local-$n ${!pid_var} http://127.0.0.1:$(admin_port "$n") $WORK/node-$n.log"
  done
} >"$NODES_FILE"

# ---- wait for every node's /readyz (the first table comes from the control plane)
deadline=$((SECONDS + READY_TIMEOUT_S))
for n in "${NODES[@]}"; do
  until curl -fsS -o /dev/null "http://127.0.0.1:$(admin_port "$n")/readyz" 2>/dev/null; do
    pid_var="PID_node_$n"
    kill -0 "${!pid_var}" 2>/dev/null || fail_with_log "node-$n" "node local-$n exited"
    kill -0 "$PID_control_plane" 2>/dev/null || fail_with_log control-plane "the control plane exited"
    ((SECONDS < deadline)) || fail_with_log "node-$n" "node local-$n not ready within ${READY_TIMEOUT_S}s"
    sleep 0.2
  done
  echo "run-local-fleet: node local-$n ready (admin 127.0.0.1:$(admin_port "$n"))"
done

fleet="$(curl -fsS "http://127.0.0.1:$(admin_port 1)/v1/fleet" 2>/dev/null || true)"
if [[ -n "$fleet" ]]; then
  echo "run-local-fleet: clustered; GET /v1/fleet on local-1: $fleet"
else
  echo "run-local-fleet: this build has no /v1/fleet: the nodes validated the cluster settings and run standalone," \
    "each synced from the control plane"
fi

echo
echo "Reach the routes through any node (myapp.example.com matches the sample certificate; -k for the others):"
for n in "${NODES[@]}"; do
  for h in "${HOSTNAMES[@]}"; do
    if [[ "$h" == myapp.example.com ]]; then tls=(--cacert "$CA"); else tls=(-k); fi
    echo "  curl ${tls[*]} --resolve $h:$(node_port "$n"):[::1] https://$h:$(node_port "$n")/"
  done
done
echo "Admin: curl -s 127.0.0.1:9911/v1/routes (9912, 9913 for the others). Control plane: $CP_STATE (edit it live)."
echo "Logs: $WORK/*.log"
echo "Rolling restart (one node at a time, each drained, restarted, ready and converged): cluster/rolling-restart.sh"

if ((check)); then
  # every route through every node; a freshly synced backend set may lag the table by a moment, so retry briefly
  failures=0
  for n in "${NODES[@]}"; do
    for r in "${!HOSTNAMES[@]}"; do
      h="${HOSTNAMES[$r]}"
      port="$(node_port "$n")"
      ok=0
      for _ in $(seq 1 25); do
        if body="$(curl -fsS -k --max-time 5 --resolve "$h:$port:[::1]" "https://$h:$port/" 2>&1)" \
            && grep -q '^hello from ghost sample workload' <<<"$body"; then
          ok=1; break
        fi
        sleep 0.2
      done
      # ... and the node routes that name to the workload the control plane assigned (one route per line)
      backend="[::1]:${BACKEND_PORTS[$r]}"
      routes="$(curl -fsS "http://127.0.0.1:$(admin_port "$n")/v1/routes" | sed 's/{"id":/\n&/g' || true)"
      if ((ok)) && ! grep -F "\"hostname\":\"$h\"" <<<"$routes" | grep -qF "\"address\":\"$backend\""; then
        ok=0; body="/v1/routes does not list $h with backend $backend"
      fi
      if ((ok)); then
        echo "check: local-$n $h -> backend $backend ($(grep '^client:' <<<"$body"))"
      else
        echo "check: FAILED local-$n $h: $body" >&2
        failures=$((failures + 1))
      fi
    done
  done
  if ((failures)); then
    FLEET_KEEP=1
    exit 1
  fi
  echo "check: all routes answered through all nodes"
  exit 0
fi

echo
echo "Ctrl-C stops everything."
NODE_PIDS=" $(for n in "${NODES[@]}"; do v="PID_node_$n"; printf '%s ' "${!v}"; done)"
declare -A down_since=()
while true; do
  for pid in "${PIDS[@]}"; do
    [[ "$NODE_PIDS" == *" $pid "* ]] && continue # nodes: below, by their current PID
    kill -0 "$pid" 2>/dev/null || { echo "run-local-fleet: process $pid exited; stopping" >&2; exit 1; }
  done
  # a node may be down for a while during a rolling restart, which writes its new PID to the nodes file
  while read -r name pid _; do
    [[ -z "${name:-}" || "$name" == \#* ]] && continue
    if kill -0 "$pid" 2>/dev/null; then
      unset "down_since[$name]"
    elif [[ -z "${down_since[$name]:-}" ]]; then
      down_since[$name]=$SECONDS
    elif ((SECONDS - down_since[$name] > NODE_DOWN_GRACE_S)); then
      echo "run-local-fleet: node $name (process $pid) down for over ${NODE_DOWN_GRACE_S}s; stopping" >&2
      exit 1
    fi
  done <"$NODES_FILE"
  sleep 1
done
