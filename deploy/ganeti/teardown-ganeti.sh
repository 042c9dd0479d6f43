#!/usr/bin/env bash
# Destroy the cluster made by setup-ganeti.sh and everything it left on the host: the
# instances, the cluster (gnt-cluster destroy), the daemons, the namespaces and veth pair,
# loop devices, the OS definition, hooks and state files. Safe to run twice.
#
#   --fast   skip `gnt-cluster destroy` (about 11 s): stop the daemons and delete the
#            cluster's files directly. The result on disk is the same for a test cluster.
#
# Only a cluster this script's setup created (marker $SNF_GANETI_RUN/owned) is destroyed.
set -uo pipefail

RUN="${SNF_GANETI_RUN:-/run/snf-ganeti}"
FAST=0
[[ ${1:-} == --fast ]] && FAST=1
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
HOOK_PATHS="instance-add instance-start instance-stop instance-reboot instance-modify
instance-remove instance-reinstall instance-rename disk-grow"

log() { printf '[teardown-ganeti %(%T)T] %s\n' -1 "$*" >&2; }
ns() { nsenter -t "$PID" -m -u -n "$@" 9>&-; }  # run inside the cluster's namespaces

[[ $(id -u) == 0 ]] || { log "must run as root"; exit 1; }

# One cluster per machine, shared by test sessions: setup and teardown run under an
# exclusive lock on /run/snf-ganeti.lock; the test fixture holds it already and sets SNF_GANETI_LOCKED=1.
# Every long-lived child gets the lock fd closed (9>&-), or it would hold the lock forever.
LOCK=/run/snf-ganeti.lock
if [[ ${SNF_GANETI_LOCKED:-0} != 1 ]]; then
  exec 9>>"$LOCK"
  flock -w "${SNF_GANETI_LOCK_WAIT:-600}" 9 || { echo "$LOCK is held (tests using the cluster?)" >&2; exit 1; }
fi
if [[ ! -e $RUN/owned && -e /var/lib/ganeti/config.data ]]; then
  log "/var/lib/ganeti/config.data was not created by setup-ganeti.sh; leaving it alone"
  exit 1
fi

PID=$(cat "$RUN/holder.pid" 2>/dev/null || true)
if [[ -n $PID && -d /proc/$PID ]]; then
  if [[ -e /var/lib/ganeti/config.data ]]; then
    for inst in $(ns "${CLEAN_ENV[@]}" timeout 30 gnt-instance list --no-headers -o name 2>/dev/null); do
      log "removing instance $inst"
      ns "${CLEAN_ENV[@]}" timeout 60 gnt-instance remove --force --ignore-failures \
        --shutdown-timeout=0 "$inst" >&2 || true
    done
    if ((FAST == 0)); then
      log "gnt-cluster destroy"
      ns "${CLEAN_ENV[@]}" timeout 120 gnt-cluster destroy --yes-do-it >&2 || true
    fi
  fi
  # `daemon-util stop-all` stops one daemon after the other, ~2 s each: stop them together.
  for daemon in $(ns "${CLEAN_ENV[@]}" /usr/lib/ganeti/daemon-util list-start-daemons); do
    ns "${CLEAN_ENV[@]}" timeout 60 /usr/lib/ganeti/daemon-util stop "$daemon" >&2 &
  done
  wait
  # unshare --fork ignores SIGTERM while it waits for its child: end the child (sleep),
  # then the holder exits by itself; SIGKILL if it does not.
  pkill -TERM -P "$PID" 2>/dev/null || true
  for _ in $(seq 30); do [[ -d /proc/$PID ]] || break; sleep 0.1; done
  [[ -d /proc/$PID ]] && kill -KILL "$PID" 2>/dev/null
  for _ in $(seq 30); do [[ -d /proc/$PID ]] || break; sleep 0.1; done
fi

# Daemons that outlived stop-all (started in a namespace that is gone) would still hold
# the netns; stop them by their pid files.
for pidfile in /run/ganeti/ganeti-*.pid; do
  [[ -e $pidfile ]] || continue
  pid=$(cat "$pidfile" 2>/dev/null || true)
  [[ -n $pid && -d /proc/$pid ]] && kill "$pid" 2>/dev/null
  rm -f "$pidfile"
done

ip link del gnt-h 2>/dev/null || true

# NBD servers of archipelago volumes the cluster attached (Ganeti does not detach a
# volume whose attach printed no block device): end them by the pid in their state file.
for state in /srv/ganeti/archipelago/run/nbd/*.json; do
  [[ -e $state ]] || continue
  pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$state")
  if [[ -n $pid ]] && grep -qa archipelago.nbd "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
  fi
done

# Loop devices whose backing file was a cluster disk (file or ext template).
losetup -n -O NAME,BACK-FILE 2>/dev/null | while read -r dev file; do
  case "$file" in /srv/ganeti/*|/var/lib/ganeti/*) losetup -d "$dev" || true ;; esac
done

if [[ -e $RUN/owned ]]; then
  # What gnt-cluster destroy removes, plus what it leaves (job files, config backups).
  rm -rf /var/lib/ganeti/* /run/ganeti/* /srv/ganeti /etc/ganeti/file-storage-paths \
    /etc/ganeti/snf.env /var/log/ganeti/extstorage
fi
for hpath in $HOOK_PATHS; do
  rm -f "/etc/ganeti/hooks/$hpath-post.d/50-snf"
  rmdir "/etc/ganeti/hooks/$hpath-post.d" 2>/dev/null || true
done
rmdir /etc/ganeti/hooks 2>/dev/null || true
rm -rf "$RUN"
log "done"
