"""Growing a volume (Cinder's os-extend), charged to cyclades.disk for the added size.

- An unattached volume has no Ganeti disk: the record grows at once (its next disk is
  made at the new size, from its origin).
- An attached volume grows through a Ganeti job, `POST /2/instances/<name>/disk/<i>/grow`
  (OP_INSTANCE_GROW_DISK). The volume is `extending` until the job's final message
  (updates/handlers/volume.py): success makes the new size the volume's; failure
  gives the added quota back.

The commission for the added bytes is issued before anything changes (over quota: 413,
nothing changes) and accepted once the record or the job submission is in place, so
`quota_held` is the size the volume is growing to: the update path reads the target
size from it and gives back `quota_held - size` when the job fails.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from cyclades.backends.ganeti import jobs
from cyclades.backends.ganeti.rapi import client_for
from cyclades.compute.models import Server, ServerAction
from cyclades.volume import volumes
from cyclades.volume.models import Volume
from snf_common.faults import BadRequest, Conflict, ServiceUnavailable

log = logging.getLogger(__name__)

GIB = volumes.GIB
EXTENDABLE = ("available", "in-use")


def _check(volume: Volume, new_size: int) -> None:
    if volume.boot:
        raise BadRequest("A server's boot volume grows with its flavor (resize the server).")
    if volume.status not in EXTENDABLE:
        raise Conflict(f"Volume {volume.uuid} is {volume.status}; only an available or "
                       "in-use volume can be extended.")
    if new_size <= volume.size:
        raise BadRequest(f"new_size must be larger than the volume's {volume.size} GiB.")


def extend_volume(volume: Volume, new_size: Any) -> Volume:
    """Grow the volume to `new_size` GiB (Cinder's os-extend)."""
    new_size = volumes.validate_size(new_size)
    _check(volume, new_size)
    added = (new_size - volume.size) * GIB
    serial = volumes._charge(volume, added, "extend")      # 413 here: nothing changes
    entry_id = None
    try:
        with transaction.atomic():
            server = volumes._lock_server(volume.server_id) if volume.server_id else None
            locked = volumes._lock(volume.id)
            if locked.server_id != (server.id if server else None) or locked.size != volume.size:
                raise Conflict(f"Volume {locked.uuid} changed meanwhile; retry.")
            _check(locked, new_size)
            if locked.status == "available":
                locked.size, locked.quota_held = new_size, locked.quota_held + added
                locked.save(update_fields=["size", "quota_held", "updated"])
            else:
                volumes._check_server(server, "extend")
                if locked.index is None:
                    raise Conflict(f"The disk of volume {locked.uuid} is not known yet; "
                                   "retry in a moment.")
                locked.status, locked.backend_job_id, locked.fault = "extending", None, ""
                locked.quota_held += added
                locked.save(update_fields=["status", "backend_job_id", "fault", "quota_held",
                                           "updated"])
                entry_id = ServerAction.objects.create(
                    server=server, action="EXTEND_VOLUME",
                    message=f"{locked.uuid} +{added // GIB} GiB").id
                transaction.on_commit(partial(_submit, locked.id, server.id, entry_id,
                                              locked.index, added // (1 << 20)))
    except Exception:
        volumes._settle(serial, accept=False)
        raise
    if entry_id is not None and ServerAction.objects.get(pk=entry_id).status == "error":
        volumes._settle(serial, accept=False)
        raise ServiceUnavailable("The cluster did not accept the extend: "
                                 f"{ServerAction.objects.get(pk=entry_id).message}")
    volumes._settle(serial, accept=True)
    log.info("volume %s: extend to %s GiB %s", volume.uuid, new_size,
             "recorded" if entry_id is None else "submitted")
    return Volume.objects.select_related("volume_type", "server").get(pk=volume.id)


def _submit(volume_id: int, server_id: int, action_id: int, index: int, amount_mib: int) -> None:
    server = Server.objects.select_related("backend").get(pk=server_id)
    try:
        job_id = client_for(server.backend).grow_disk(jobs.instance_name(server.id), index,
                                                      amount_mib)
    except Exception as exc:  # Ganeti never took the job: the volume is as it was
        log.error("volume %s: grow job of server %s not submitted: %s", volume_id,
                  server_id, exc)
        with transaction.atomic():
            volume = volumes._lock(volume_id)
            if volume.status == "extending":
                volume.status, volume.quota_held = "in-use", volume.size * GIB
                volume.save(update_fields=["status", "quota_held", "updated"])
            ServerAction.objects.filter(pk=action_id).update(
                status="error", message=str(exc)[:2000], finished=timezone.now())
        return
    with transaction.atomic():
        Volume.objects.filter(pk=volume_id, status="extending").update(backend_job_id=job_id)
        ServerAction.objects.filter(pk=action_id).update(job_id=job_id, status="submitted")
    log.info("volume %s: grow job %s on server %s (+%s MiB)", volume_id, job_id, server_id,
             amount_mib)


def grow_to_record(volume: Volume, ganeti_mib: int) -> None:
    """Reconciliation: Ganeti's disk is smaller than the volume (a grow that never ran):
    grow it to the recorded size, already charged, through the same job and update path."""
    with transaction.atomic():
        server = volumes._lock_server(volume.server_id)
        locked = volumes._lock(volume.id)
        amount = locked.size * 1024 - ganeti_mib
        if locked.status != "in-use" or locked.index is None or amount <= 0 or server.deleted:
            return
        locked.status, locked.backend_job_id = "extending", None
        locked.save(update_fields=["status", "backend_job_id", "updated"])
        entry = ServerAction.objects.create(server=server, action="EXTEND_VOLUME",
                                            message=f"{locked.uuid} +{amount} MiB (reconcile)")
        transaction.on_commit(partial(_submit, locked.id, server.id, entry.id, locked.index,
                                      amount))
