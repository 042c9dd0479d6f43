#!/usr/bin/env bash
# Bring up (or repair) a one-node Ganeti cluster with the fake hypervisor, isolated in its
# own mount, UTS and network namespaces so the host's hostname, /etc/hosts, routes and ssh
# keys stay untouched. Idempotent: a second run restarts whatever daemon is down.
#
#   host netns                          cluster namespaces (one holder process)
#     gnt-h 198.51.100.1/24  <-veth->   gnt0 198.51.100.10/24 (node1.snf.test)
#                                            + 198.51.100.100 master IP (cluster.snf.test)
#                                       snfbr0: bridge for instance NICs
#
# RAPI answers on https://198.51.100.100:5080 (self-signed certificate). On success the
# script writes $SNF_GANETI_RUN/rapi.env (SNF_GANETI_RAPI_URL, _USER, _PASSWORD, _CLUSTER,
# _NODE) and prints the same lines. Needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN.
#
# Environment (all optional):
#   SNF_GANETI_RUN            state dir (default /run/snf-ganeti)
#   SNF_GANETI_TREE           source tree whose OS definition / hooks get installed
#                             (default: the checkout this script is in)
#   SNF_GANETI_RAPI_USER      RAPI user (default snf)
#   SNF_GANETI_RAPI_PASSWORD  RAPI password (default: random, kept in $SNF_GANETI_RUN)
#   SNF_GANETI_NODE_ENV       newline-separated KEY=VALUE lines exported to our hooks and
#                             OS scripts (written to /etc/ganeti/snf.env), e.g.
#                             SNF_QUEUE_URL=amqp://... or SNF_SETTINGS_DIR=/etc/synnefo
#   SNF_GANETI_PYTHON         python that runs snf_ganeti / snf_image (default: the tree's
#                             .venv); its directory goes first on the scripts' PATH
#   SNF_GANETI_INSTALL=1      apt-get install ganeti when it is missing
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="${SNF_GANETI_RUN:-/run/snf-ganeti}"
TREE="${SNF_GANETI_TREE:-$(cd "$HERE/../.." && pwd)}"
RAPI_USER="${SNF_GANETI_RAPI_USER:-snf}"
PYTHON="${SNF_GANETI_PYTHON:-$TREE/.venv/bin/python}"

NET_PREFIX=198.51.100          # TEST-NET-2: never routed, and eth0 may already use TEST-NET-1
HOST_IP=$NET_PREFIX.1
NODE_IP=$NET_PREFIX.10
MASTER_IP=$NET_PREFIX.100
NODE=node1.snf.test
CLUSTER=cluster.snf.test
BRIDGE=snfbr0
RAPI_PORT=5080
# Every hook path Ganeti 3.0 runs for the instance operations Synnefo issues.
HOOK_PATHS="instance-add instance-start instance-stop instance-reboot instance-modify
instance-remove instance-reinstall instance-rename disk-grow"
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)

log() { printf '[setup-ganeti %(%T)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
ns() { nsenter -t "$PID" -m -u -n "$@" 9>&-; }  # run inside the cluster's namespaces

[[ $(id -u) == 0 ]] || die "must run as root (namespaces, veth, loop devices)"
for cmd in unshare nsenter ip setsid; do
  command -v "$cmd" >/dev/null || die "missing command: $cmd"
done
if ! command -v gnt-cluster >/dev/null; then
  [[ ${SNF_GANETI_INSTALL:-0} == 1 ]] || die "Ganeti is not installed (apt-get install ganeti, or SNF_GANETI_INSTALL=1)"
  log "installing Debian's ganeti package"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ganeti >/dev/null
fi

mkdir -p "$RUN"

# One cluster per machine, shared by test sessions: setup and teardown run under an
# exclusive lock on /run/snf-ganeti.lock; the test fixture holds it already and sets SNF_GANETI_LOCKED=1.
# Every long-lived child gets the lock fd closed (9>&-), or it would hold the lock forever.
LOCK=/run/snf-ganeti.lock
if [[ ${SNF_GANETI_LOCKED:-0} != 1 ]]; then
  exec 9>>"$LOCK"
  flock -w "${SNF_GANETI_LOCK_WAIT:-600}" 9 || { echo "$LOCK is held (tests using the cluster?)" >&2; exit 1; }
fi
chmod 0700 "$RUN"
# A cluster we did not create is never touched (nor later destroyed by the teardown).
if [[ -e /var/lib/ganeti/config.data && ! -e $RUN/owned ]]; then
  die "/var/lib/ganeti/config.data exists but was not created by this script; refusing"
fi

holder_pid() {
  local pid
  pid=$(cat "$RUN/holder.pid" 2>/dev/null) || return 1
  [[ -n $pid && -d /proc/$pid ]] || return 1
  [[ $(readlink "/proc/$pid/ns/net") != "$(readlink /proc/self/ns/net)" ]] || return 1
  echo "$pid"
}

# ---- 1. namespaces -------------------------------------------------------------------
if ! PID=$(holder_pid); then
  log "creating namespaces"
  rm -f "$RUN/holder.pid"
  # The holder keeps the namespaces alive; ganeti daemons started inside it pin them too.
  setsid sh -c "echo \$\$ > '$RUN/holder.pid'; exec unshare --mount --uts --net --fork \
      --kill-child --propagation private sleep infinity" </dev/null >/dev/null 2>&1 9>&- &
  for _ in $(seq 50); do PID=$(holder_pid) && break; sleep 0.1; done
  PID=$(holder_pid) || die "namespace holder did not start"

  cat > "$RUN/hosts" <<EOF
127.0.0.1 localhost
$NODE_IP $NODE node1
$MASTER_IP $CLUSTER cluster
EOF
  # Debian's default binds RAPI to 127.0.0.1; the host must reach it over the veth.
  sed 's/^RAPI_ARGS=.*/RAPI_ARGS="-b 0.0.0.0 --require-authentication"/' \
    /etc/default/ganeti > "$RUN/default-ganeti"
  ns hostname "$NODE"
  ns mount --bind "$RUN/hosts" /etc/hosts
  ns mount --bind "$RUN/default-ganeti" /etc/default/ganeti
  # Without a fresh sysfs Ganeti's bridge check reads the host's /sys/class/net.
  ns mount -t sysfs sysfs /sys
  ns ip link set lo up
  ip link del gnt-h 2>/dev/null || true
  ip link add gnt-h type veth peer name gnt0 netns "$PID"
  ip addr add "$HOST_IP/24" dev gnt-h
  ip link set gnt-h up
  ns ip addr add "$NODE_IP/24" dev gnt0
  ns ip link set gnt0 up
  ns ip link add "$BRIDGE" type bridge
  ns ip link set "$BRIDGE" up
fi

# ---- 2. files Ganeti needs before init -----------------------------------------------
mkdir -p /srv/ganeti/file-storage /srv/ganeti/shared-file-storage /srv/ganeti/os \
  /srv/ganeti/extstorage /var/log/ganeti/extstorage
printf '/srv/ganeti/file-storage\n/srv/ganeti/shared-file-storage\n' > /etc/ganeti/file-storage-paths

# ---- 3. OS definitions: the tree's snf-image (else the stub), and the stub as snf-stub -
# snf-stub lets tests create instances without an image service behind snf-image.
# Our node-side programs (OS scripts, hooks) run through a wrapper that loads
# /etc/ganeti/snf.env: Ganeti gives them a bare PATH, and they need the python that has
# snf_image / snf_ganeti.
write_wrapper() {  # wrapper-path target-program
  cat > "$1" <<EOF
#!/bin/sh
# Installed by deploy/ganeti/setup-ganeti.sh from $2
. /etc/ganeti/snf.env
export PATH="\$(dirname "\$SNF_PYTHON"):\$PATH"
exec "$2" "\$@"
EOF
  chmod 0755 "$1"
}

install_os() {  # source-dir os-name
  install_programs "$1" "/srv/ganeti/os/$2"
}

install_programs() {  # source-dir target-dir: executables as wrappers, other files copied
  local src=$1 dst=$2 file
  mkdir -p "$dst"
  for file in "$src"/*; do
    if [[ -x $file ]]; then
      write_wrapper "$dst/$(basename "$file")" "$file"
    else
      cp "$file" "$dst/"
    fi
  done
}

rm -rf /srv/ganeti/os/snf-image /srv/ganeti/os/snf-stub
cp -a "$HERE/stub-os" /srv/ganeti/os/snf-stub
if [[ -d $TREE/snf-image/ganeti-os ]]; then
  install_os "$TREE/snf-image/ganeti-os" snf-image
  OS_SOURCE="$TREE/snf-image/ganeti-os"
else
  cp -a "$HERE/stub-os" /srv/ganeti/os/snf-image
  OS_SOURCE="the stub ($HERE/stub-os), because snf-image/ganeti-os is not in the tree"
fi
log "OS definition snf-image from $OS_SOURCE"

# ---- 3b. ExtStorage provider archipelago (the tree's), in Ganeti's search path -------
# Its volumes live in a filesystem block store under /srv/ganeti/archipelago unless
# SNF_GANETI_NODE_ENV names another (SNF_ARCHIPELAGO_BLOCKSTORE, SNF_ARCHIPELAGO_RUN_DIR).
ARCHIP_STORE=/srv/ganeti/archipelago/store
ARCHIP_RUN=/srv/ganeti/archipelago/run
rm -rf /srv/ganeti/extstorage/archipelago
if [[ -d $TREE/archipelago/extstorage ]]; then
  install_programs "$TREE/archipelago/extstorage" /srv/ganeti/extstorage/archipelago
  mkdir -p "$ARCHIP_STORE" "$ARCHIP_RUN"
  log "ExtStorage provider archipelago from $TREE/archipelago/extstorage"
fi

# ---- 4. hooks: the tree's program, run through the same kind of wrapper --------------
write_node_env() {
  local line key
  {
    echo "# Written by deploy/ganeti/setup-ganeti.sh: environment of the snf hooks, OS and ExtStorage."
    echo "export SNF_PYTHON='$PYTHON'"
    echo "export SNF_ARCHIPELAGO_BLOCKSTORE='$ARCHIP_STORE'"
    echo "export SNF_ARCHIPELAGO_RUN_DIR='$ARCHIP_RUN'"
    while IFS= read -r line; do
      [[ $line == *=* ]] || continue
      key=${line%%=*}
      [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad SNF_GANETI_NODE_ENV line: $line"
      printf "export %s='%s'\n" "$key" "${line#*=}"
    done <<< "${SNF_GANETI_NODE_ENV:-}"
  } > /etc/ganeti/snf.env.tmp
  mv /etc/ganeti/snf.env.tmp /etc/ganeti/snf.env
}

hook_program() {  # the tree's hook for one hook path, or nothing
  local hpath=$1 dir=$TREE/ganeti-hooks/hooks
  [[ -d $dir ]] || return 0
  for candidate in "$dir/$hpath" "$dir/$hpath-post" "$dir/50-snf" "$dir/snf-ganeti-hook"; do
    [[ -f $candidate ]] && { echo "$candidate"; return 0; }
  done
  # A single program for every hook path.
  local files=("$dir"/*)
  if ((${#files[@]} == 1)) && [[ -f ${files[0]} ]]; then echo "${files[0]}"; fi
}

installed_hooks=0
for hpath in $HOOK_PATHS; do
  rm -f "/etc/ganeti/hooks/$hpath-post.d/50-snf"
  program=$(hook_program "$hpath")
  [[ -n $program ]] || continue
  mkdir -p "/etc/ganeti/hooks/$hpath-post.d"
  write_wrapper "/etc/ganeti/hooks/$hpath-post.d/50-snf" "$program"
  installed_hooks=$((installed_hooks + 1))
done
write_node_env
if ((installed_hooks)); then
  log "installed the snf hook for $installed_hooks hook paths"
else
  log "no hooks installed: ganeti-hooks/hooks/ is not in the tree"
fi

# ---- 5. cluster init, or restart what is down ----------------------------------------
if [[ ! -e /var/lib/ganeti/config.data ]]; then
  log "gnt-cluster init $CLUSTER"
  touch "$RUN/owned"
  ns "${CLEAN_ENV[@]}" gnt-cluster init \
    --enabled-hypervisors=fake --enabled-disk-templates=file,diskless,ext \
    --no-etc-hosts --no-ssh-init --master-netdev=gnt0 --master-netmask=24 \
    --nic-parameters=mode=bridged,link=$BRIDGE --file-storage-dir=/srv/ganeti/file-storage \
    --ipolicy-bounds-specs=min:cpu-count=1,disk-count=0,disk-size=1,memory-size=32,nic-count=0,spindle-use=0/max:cpu-count=32,disk-count=16,disk-size=1048576,memory-size=65536,nic-count=8,spindle-use=12 \
    "$CLUSTER" >&2
else
  # `daemon-util start-all` exits 2 when some daemons already run: start them one by one.
  for daemon in $(ns "${CLEAN_ENV[@]}" /usr/lib/ganeti/daemon-util list-start-daemons); do
    ns "${CLEAN_ENV[@]}" /usr/lib/ganeti/daemon-util check-and-start "$daemon" >&2 || true
  done
  ns "${CLEAN_ENV[@]}" gnt-cluster activate-master-ip >&2 || true
fi

# ---- 6. RAPI user ---------------------------------------------------------------------
if [[ -n ${SNF_GANETI_RAPI_PASSWORD:-} ]]; then
  PASSWORD=$SNF_GANETI_RAPI_PASSWORD
elif [[ -s $RUN/rapi-password ]]; then
  PASSWORD=$(cat "$RUN/rapi-password")
else
  PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
fi
(umask 077; printf '%s\n' "$PASSWORD" > "$RUN/rapi-password")
mkdir -p /var/lib/ganeti/rapi
# ganeti-rapi reloads the file on change (inotify): write a temp file, then rename.
printf '%s %s write\n' "$RAPI_USER" "$PASSWORD" > /var/lib/ganeti/rapi/users.tmp
chown gnt-rapi:gnt-masterd /var/lib/ganeti/rapi/users.tmp
chmod 0640 /var/lib/ganeti/rapi/users.tmp
mv /var/lib/ganeti/rapi/users.tmp /var/lib/ganeti/rapi/users

# ---- 7. wait for RAPI to answer with our credentials ---------------------------------
URL="https://$MASTER_IP:$RAPI_PORT"
for i in $(seq 120); do
  code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 -u "$RAPI_USER:$PASSWORD" \
    "$URL/2/info" || true)
  [[ $code == 200 ]] && break
  ((i == 120)) && die "RAPI at $URL did not answer 200 within 60 s (last: $code)"
  sleep 0.5
done

(umask 077; cat > "$RUN/rapi.env" <<EOF
SNF_GANETI_RAPI_URL=$URL
SNF_GANETI_RAPI_USER=$RAPI_USER
SNF_GANETI_RAPI_PASSWORD=$PASSWORD
SNF_GANETI_CLUSTER=$CLUSTER
SNF_GANETI_NODE=$NODE
SNF_GANETI_LINK=$BRIDGE
SNF_GANETI_TEST_OS=snf-stub+default
SNF_GANETI_EXTSTORAGE_DIR=/srv/ganeti/extstorage
SNF_GANETI_HOLDER_PID=$PID
EOF
)
log "cluster $CLUSTER is up; RAPI at $URL (user $RAPI_USER)"
cat "$RUN/rapi.env"
