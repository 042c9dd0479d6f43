#!/usr/bin/env bash
# Bring up a throw-away one-node Ceph cluster (one mon, one memstore OSD) on 127.0.0.1.
#
#   deploy/ceph/start-test-cluster.sh DIR [POOL]
#
# Everything (config, data, sockets, logs, pids) lives under DIR; clients use
# DIR/ceph.conf. No mgr is started: RADOS I/O does not need one, but mgr-backed
# CLI commands (ceph df, pg stat) would hang, so every ceph call has a timeout.
# Ports: the mon uses 3300/6789 unless SNF_CEPH_MON_PORT_V2/_V1 say otherwise.
# Stop with deploy/ceph/stop-test-cluster.sh DIR. A memstore OSD cannot be
# restarted with its data: recreate the cluster instead.
set -euo pipefail

DIR=${1:?usage: start-test-cluster.sh DIR [POOL]}
POOL=${2:-}
MON_V2=${SNF_CEPH_MON_PORT_V2:-3300}
MON_V1=${SNF_CEPH_MON_PORT_V1:-6789}
MEMSTORE_BYTES=${SNF_CEPH_MEMSTORE_BYTES:-1073741824}
CLI_TIMEOUT=${SNF_CEPH_CLI_TIMEOUT:-30}

for tool in ceph ceph-mon ceph-osd monmaptool uuidgen; do
  command -v "$tool" >/dev/null || { echo "missing $tool (Debian packages ceph-mon ceph-osd)" >&2; exit 2; }
done

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
mkdir -p "$DIR"/{mon,osd,run,log}
CONF="$DIR/ceph.conf"
FSID=$(uuidgen)

cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon allow pool delete = true
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
mon cluster log file = $DIR/log/cluster.log
keyring = $DIR/keyring
ms bind ipv6 = false
rados osd op timeout = 60
rados mon op timeout = 60
client mount timeout = 30

[mon]
mon data = $DIR/mon/\$cluster-\$id

[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd max object name len = 256
osd max object namespace len = 64
CONF

ceph_cli() { timeout "$CLI_TIMEOUT" ceph --conf "$CONF" "$@"; }

monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]" \
  "$DIR/monmap" >/dev/null
timeout "$CLI_TIMEOUT" ceph-mon --conf "$CONF" --mkfs -i a --monmap "$DIR/monmap" >/dev/null 2>&1
ceph-mon --conf "$CONF" -i a >>"$DIR/log/daemons.log" 2>&1
OSD_UUID=$(uuidgen)
OSD_ID=$(ceph_cli osd new "$OSD_UUID")
mkdir -p "$DIR/osd/ceph-$OSD_ID"
timeout "$CLI_TIMEOUT" ceph-osd --conf "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" \
  >"$DIR/log/osd-mkfs.log" 2>&1
ceph-osd --conf "$CONF" -i "$OSD_ID" >>"$DIR/log/daemons.log" 2>&1

# Wait until the OSD is up and in.
for _ in $(seq 1 60); do
  if ceph_cli osd dump 2>/dev/null | grep -q "^osd\.$OSD_ID up"; then
    break
  fi
  sleep 0.5
done
ceph_cli osd dump | grep -q "^osd\.$OSD_ID up" || { echo "osd.$OSD_ID did not come up" >&2; exit 1; }

if [[ -n "$POOL" ]]; then
  ceph_cli osd pool create "$POOL" 8 8 >/dev/null 2>&1
  ceph_cli osd pool application enable "$POOL" archipelago >/dev/null 2>&1
fi
echo "$CONF"
