#!/usr/bin/env bash
# Stop a cluster started by start-test-cluster.sh DIR: the OSDs first, then the mon.
#   deploy/ceph/stop-test-cluster.sh DIR [--purge]
set -uo pipefail
DIR=${1:?usage: stop-test-cluster.sh DIR [--purge]}
stop_pids() {  # pid files...
  local pids=() f pid
  for f in "$@"; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for _ in $(seq 1 50); do  # at most 5 s, then force
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
}
stop_pids "$DIR"/run/osd.*.pid
stop_pids "$DIR"/run/mon.*.pid
[[ "${2:-}" == "--purge" ]] && rm -rf "$DIR"
exit 0
