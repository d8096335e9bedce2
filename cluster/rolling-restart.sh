#!/usr/bin/env bash
# ghost ingress: rolling restart of a running fleet, one node at a time, dropping no established connection that
# finishes within the node's shutdown_timeout.
#
#   cluster/rolling-restart.sh [NODES_FILE]
#
# NODES_FILE (default: $FLEET_NODES_FILE, else ${TMPDIR:-/tmp}/ghost-local-fleet.nodes, which
# cluster/run-local-fleet.sh writes) has one line per node: NAME PID ADMIN_URL [LOG_FILE]; '#' starts a comment.
# For each node in file order:
#   1. read its command line, environment and working directory from /proc/PID (so it restarts exactly as it ran)
#   2. SIGTERM: the node drains (listeners closed, /readyz 503, open connections continue until they end or
#      shutdown_timeout) and exits 0; wait for the exit (bounded)
#   3. start it again with the same command, environment and directory; output is appended to LOG_FILE (default:
#      the file its stdout went to, else NODES_FILE's directory/NAME.log); the new PID is written back to NODES_FILE
#   4. wait for GET ADMIN_URL/readyz 200, then for GET ADMIN_URL/v1/fleet to list every node of NODES_FILE alive,
#      not diverged from the leader's hash and not draining (a node without /v1/fleet, i.e. standalone, is only
#      waited for ready)
# Exit 0 when every node is back; 1 with a clear message (and the node's last log lines) at the first failure.
# Bounds: RR_EXIT_TIMEOUT_S [90] for a node to exit, RR_READY_TIMEOUT_S [90] to be ready, RR_CONVERGE_TIMEOUT_S [60]
# to converge. Linux only (/proc).
set -euo pipefail

NODES_FILE="${1:-${FLEET_NODES_FILE:-${TMPDIR:-/tmp}/ghost-local-fleet.nodes}}"
EXIT_TIMEOUT_S="${RR_EXIT_TIMEOUT_S:-90}"
READY_TIMEOUT_S="${RR_READY_TIMEOUT_S:-90}"
CONVERGE_TIMEOUT_S="${RR_CONVERGE_TIMEOUT_S:-60}"

case "${1:-}" in
  -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
esac
say() { echo "rolling-restart: $*"; }
die() { echo "rolling-restart: $*" >&2; exit 1; }
command -v curl >/dev/null || die "'curl' not found on PATH"
[[ -r "$NODES_FILE" ]] || die "no nodes file $NODES_FILE (start the fleet with cluster/run-local-fleet.sh, or pass one)"

NAMES=(); PIDS=(); ADMINS=(); LOGS=()
while read -r name pid admin log _; do
  [[ -z "${name:-}" || "$name" == \#* ]] && continue
  [[ "$pid" =~ ^[0-9]+$ && -n "${admin:-}" ]] || die "$NODES_FILE: bad line '$name $pid $admin' (NAME PID ADMIN_URL [LOG_FILE])"
  NAMES+=("$name"); PIDS+=("$pid"); ADMINS+=("${admin%/}"); LOGS+=("${log:-}")
done <"$NODES_FILE"
((${#NAMES[@]})) || die "$NODES_FILE lists no node"

# running and not a zombie (a zombie still answers kill -0 until its parent reaps it)
alive() { [[ -r /proc/$1/stat ]] && [[ "$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

last_lines() { # log file
  [[ -n "$1" && -r "$1" ]] && { echo "--- last lines of $1:" >&2; tail -n 15 "$1" >&2 || true; }
  return 0
}

set_pid() { # index, new pid: rewrite that node's line of the nodes file
  local i="$1" new="$2" tmp
  tmp="$(mktemp "${NODES_FILE}.XXXXXX")"
  awk -v name="${NAMES[$i]}" -v pid="$new" '$1 == name { $2 = pid } { print }' "$NODES_FILE" >"$tmp"
  mv "$tmp" "$NODES_FILE"
  PIDS[$i]="$new"
}

# every node of the file alive, not diverged, not draining in this /v1/fleet body (compact JSON, one node per line)
converged() { # fleet json
  local nodes name line
  nodes="$(sed 's/{"node_id":/\n&/g' <<<"$1")"
  grep -q '"leader":"' <<<"$1" || return 1
  for name in "${NAMES[@]}"; do
    line="$(grep -F "{\"node_id\":\"$name\"," <<<"$nodes" | head -n 1)" || return 1
    grep -q '"alive":true' <<<"$line" && grep -q '"diverged":false' <<<"$line" \
      && grep -q '"draining":false' <<<"$line" || return 1
  done
}

restart() { # index
  local i="$1" name="${NAMES[$1]}" pid="${PIDS[$1]}" admin="${ADMINS[$1]}" log="${LOGS[$1]}"
  alive "$pid" || die "node $name: process $pid is not running"
  local -a argv env
  mapfile -d '' -t argv <"/proc/$pid/cmdline" || die "node $name: cannot read /proc/$pid/cmdline"
  mapfile -d '' -t env <"/proc/$pid/environ" || die "node $name: cannot read /proc/$pid/environ"
  local cwd out
  cwd="$(readlink "/proc/$pid/cwd")" || die "node $name: cannot read /proc/$pid/cwd"
  if [[ -z "$log" ]]; then
    out="$(readlink "/proc/$pid/fd/1" 2>/dev/null || true)"
    if [[ -n "$out" && -f "$out" ]]; then log="$out"; else log="$(dirname "$NODES_FILE")/$name.log"; fi
    LOGS[$i]="$log"
  fi

  say "node $name: SIGTERM to $pid (drains, then exits)"
  kill -TERM "$pid" 2>/dev/null || die "node $name: cannot signal $pid"
  local deadline=$((SECONDS + EXIT_TIMEOUT_S))
  while alive "$pid"; do
    ((SECONDS < deadline)) || { last_lines "$log"; die "node $name: still running ${EXIT_TIMEOUT_S}s after SIGTERM"; }
    sleep 0.1
  done
  say "node $name: exited"

  (cd "$cwd" && exec env -i "${env[@]}" "${argv[@]}") >>"$log" 2>&1 </dev/null &
  local new=$!
  disown "$new" 2>/dev/null || true
  set_pid "$i" "$new"
  say "node $name: started again as $new (log $log)"

  deadline=$((SECONDS + READY_TIMEOUT_S))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$admin/readyz" 2>/dev/null)" == 200 ]]; do
    alive "$new" || { last_lines "$log"; die "node $name: exited while starting"; }
    ((SECONDS < deadline)) || { last_lines "$log"; die "node $name: not ready within ${READY_TIMEOUT_S}s"; }
    sleep 0.2
  done
  say "node $name: ready"

  local code fleet=""
  deadline=$((SECONDS + CONVERGE_TIMEOUT_S))
  while true; do
    code="$(curl -s -o "$TMP_BODY" -w '%{http_code}' --max-time 5 "$admin/v1/fleet" 2>/dev/null || true)"
    if [[ "$code" == 404 ]]; then say "node $name: no /v1/fleet (standalone): ready is enough"; return 0; fi
    if [[ "$code" == 200 ]]; then
      fleet="$(cat "$TMP_BODY")"
      converged "$fleet" && break
    fi
    alive "$new" || { last_lines "$log"; die "node $name: exited while converging"; }
    ((SECONDS < deadline)) || die "node $name: fleet not converged within ${CONVERGE_TIMEOUT_S}s; last /v1/fleet: $fleet"
    sleep 0.2
  done
  say "node $name: converged (every node alive on the leader's hash)"
}

TMP_BODY="$(mktemp "${TMPDIR:-/tmp}/rolling-restart.XXXXXX")"
trap 'rm -f "$TMP_BODY"' EXIT
for i in "${!NAMES[@]}"; do
  restart "$i"
done
say "all ${#NAMES[@]} nodes restarted"
