"""Apply op-status messages to the volumes of a server (called by handlers/instance.py
inside its transaction, with the server row locked).

- Any message that lists the instance's disks (`instance_disks`) teaches us the
  Ganeti uuid and index of each volume's disk, matched by disk name (`vol-<uuid>`,
  or `disk-<server>-0` for the boot disk). Names and uuids never change, so this
  is safe even for a message older than the server's last applied event.
- The final message of an attach/detach modify job moves the volume to in-use /
  available (or back, on failure); a create finishes the boot volume; a remove
  deletes the volumes that go with the server and frees the others.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

from cyclades import quotas
from cyclades.compute import statements
from cyclades.compute.models import Server
from cyclades.volume.models import Volume
from snf_common.ganeti_events import OpStatus

log = logging.getLogger(__name__)

GIB = quotas.GIB
# The jobs whose end moves volumes (see apply_final).
VOLUME_OPCODES = ("OP_INSTANCE_CREATE", "OP_INSTANCE_SET_PARAMS", "OP_INSTANCE_GROW_DISK",
                  "OP_INSTANCE_REMOVE")


def _server_volumes(server: Server) -> list[Volume]:
    return list(Volume.objects.select_for_update(of=("self",)).select_related("volume_type")
                .filter(server=server, deleted=False))


def record_disks(server: Server, message: OpStatus) -> None:
    """Learn disk uuids and indexes from the message's instance_disks, if it has them."""
    if message.instance_disks is None:
        return
    by_name = {d.get("name"): (i, d) for i, d in enumerate(message.instance_disks)
               if d.get("name")}
    for volume in _server_volumes(server):
        found = by_name.get(volume.disk_name)
        if found is None:
            continue
        index, disk = found
        uuid = disk.get("uuid") or volume.backend_disk_uuid
        if (volume.index, volume.backend_disk_uuid) != (index, uuid):
            volume.index, volume.backend_disk_uuid = index, uuid
            volume.save(update_fields=["index", "backend_disk_uuid", "updated"])


def apply_final(server: Server, message: OpStatus) -> None:
    """The job of `message` ended: move the volumes it concerned."""
    success = message.status == "success"
    if message.operation not in VOLUME_OPCODES or not statements.has_volumes(server.id):
        return
    reason = (message.logmsg or str(message.result or "") or message.status)[:2000]
    volumes = _server_volumes(server)
    names = None if message.instance_disks is None else \
        {d.get("name") for d in message.instance_disks}
    if message.operation == "OP_INSTANCE_CREATE":
        for volume in volumes:
            if volume.boot and volume.status == "attaching":
                volume.status = "in-use" if success else "error"
                volume.fault = "" if success else reason
                volume.save()
    elif message.operation == "OP_INSTANCE_SET_PARAMS":
        for volume in volumes:
            if volume.status not in ("attaching", "detaching"):
                continue
            ours = volume.backend_job_id == message.jobId
            if not ours and volume.backend_job_id is not None:
                continue   # another job's outcome
            if not ours and success and (names is None or
                                         (volume.disk_name in names) !=
                                         (volume.status == "attaching")):
                continue   # a success that does not show this volume's change
            _finish_modify(volume, success, reason)
    elif message.operation == "OP_INSTANCE_GROW_DISK":
        for volume in volumes:
            if volume.status == "extending" and volume.backend_job_id in (message.jobId, None):
                _finish_grow(server, volume, success, reason)
    elif message.operation == "OP_INSTANCE_REMOVE" and success:
        for volume in volumes:
            _server_removed(volume)


def _finish_modify(volume: Volume, success: bool, reason: str) -> None:
    attaching = volume.status == "attaching"
    if attaching == success:            # attached, or a detach that failed
        volume.status, volume.fault = "in-use", "" if success else reason
    else:                               # detached, or an attach that failed
        volume.status, volume.server, volume.index = "available", None, None
        volume.backend_disk_uuid, volume.fault = "", "" if success else reason
    volume.backend_job_id = None
    volume.save()
    log.info("volume %s: %s %s -> %s", volume.uuid, "attach" if attaching else "detach",
             "succeeded" if success else "failed", volume.status)


def _finish_grow(server: Server, volume: Volume, success: bool, reason: str) -> None:
    """The grow job ended. `quota_held` is the size it grew to (volume/extend.py)."""
    target = volume.quota_held // GIB
    if success:
        volume.size, volume.fault = max(volume.size, target), ""
        for disk in server.disks or []:      # the server's view of its disks, in MiB
            if disk.get("name") == volume.disk_name:
                disk["size"] = max(int(disk.get("size") or 0), volume.size * 1024)
    else:
        held, volume.quota_held = volume.quota_held, volume.size * GIB
        volume.fault = f"Extend failed: {reason}"[:2000]
        if held > volume.quota_held:
            transaction.on_commit(partial(_release, volume.owner, volume.project,
                                          held - volume.quota_held, str(volume.uuid)))
    volume.status, volume.backend_job_id = "in-use", None
    volume.save()
    log.info("volume %s: extend to %s GiB %s", volume.uuid, target,
             "succeeded" if success else "failed")


def _server_removed(volume: Volume) -> None:
    """Ganeti removed the instance and every disk it had."""
    if volume.boot or volume.delete_on_termination:
        held = volume.quota_held
        volume.status, volume.deleted, volume.server, volume.index = "deleted", True, None, None
        volume.quota_held = 0
        volume.save()
        if held:
            transaction.on_commit(partial(_release, volume.owner, volume.project, held,
                                          str(volume.uuid)))
        return
    # The disk went with the instance; an Archipelago volume's last detach-frozen map
    # (if any) is what remains of it, so it starts from there again.
    volume.status, volume.server, volume.index, volume.backend_disk_uuid = \
        "available", None, None, ""
    volume.size = max(volume.size, volume.quota_held // GIB)   # an extend it was charged for
    volume.fault = "Its server was deleted with the disk attached; the disk was removed."
    volume.save()


def _release(owner: str, project: str, quantity: int, name: str) -> None:
    holder = quotas.holder()
    try:
        serial = holder.issue(owner=owner, project=project, force=True,
                              provisions={"cyclades.disk": -quantity},
                              name=f"volume {name} delete")
        holder.resolve(accept=[serial], reject=[])
    except Exception as exc:  # Astakos down: the usage stays until reconciliation
        log.warning("volume %s: releasing %s bytes failed: %s", name, quantity, exc)
