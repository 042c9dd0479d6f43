"""Compare volumes with the disks of each backend's instances and repair drift.

Findings (per live server whose instance Ganeti has; a missing instance is
reconcile-servers' business):
- job-finished: a volume attaching / detaching / extending whose job ended (or whose
  submission was lost long ago) without its message reaching us. Fix: feed the
  update path the message eventd would have sent, with the disks Ganeti has now.
- missing-disk: an in-use volume whose disk the instance does not have. Fix: the
  volume becomes available (its data went with the disk; the fault says so).
- unknown-disk: a disk named `vol-<uuid>` that no volume of this server accounts for.
  Fix: an available volume of the server's owner is adopted (in-use, its index and
  uuid recorded); a deleted volume's disk is removed (a modify job: its data was
  deleted by its owner and its quota released). Other disks are only reported.
- size-drift: Ganeti's size differs from the volume's. Fix: a larger disk is adopted
  (size and cyclades.disk follow, forced); a smaller one is grown to the volume's size
  through the extend path (a grow job).
Boot disks are checked for presence and size but never changed here.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from cyclades.backends.ganeti import jobs
from cyclades.backends.ganeti.rapi import RapiError, client_for
from cyclades.backends.models import Backend
from cyclades.compute.models import Server, ServerAction
from cyclades.volume import extend, volumes
from cyclades.volume.models import Volume
from snf_common.ganeti_events import FINAL_STATUSES, OpStatus, event_time_now

log = logging.getLogger(__name__)

GIB = volumes.GIB
MIB = 1 << 20
PENDING = {"attaching": "OP_INSTANCE_SET_PARAMS", "detaching": "OP_INSTANCE_SET_PARAMS",
           "extending": "OP_INSTANCE_GROW_DISK"}
LOST_SUBMISSION_SECONDS = 300


@dataclass
class Finding:
    kind: str
    server: int | None
    volume: str
    disk: str
    detail: str
    fixed: bool = False


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        log.info("reconcile-volumes: %s server=%s volume=%s disk=%s %s%s", finding.kind,
                 finding.server, finding.volume, finding.disk, finding.detail,
                 " (fixed)" if finding.fixed else "")

    def rows(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self.findings]


def ganeti_disks(info: dict[str, Any]) -> list[dict[str, Any]]:
    """[{name, size (MiB), uuid}] of an instance in the bulk /2/instances shape."""
    sizes = info.get("disk.sizes") or []
    names = info.get("disk.names") or []
    uuids = info.get("disk.uuids") or []
    return [{"name": names[i] if i < len(names) else None, "size": sizes[i],
             "uuid": uuids[i] if i < len(uuids) else None} for i in range(len(sizes))]


def _find(volume: Volume, disks: list[dict[str, Any]]) -> tuple[int, dict[str, Any]] | None:
    for index, disk in enumerate(disks):
        if disk["name"] == volume.disk_name or \
                (volume.backend_disk_uuid and disk["uuid"] == volume.backend_disk_uuid):
            return index, disk
    return None


def _simulate(server: Server, backend: Backend, opcode: str, status: str, job_id: int | None,
              disks: list[dict[str, Any]]) -> None:
    from cyclades.updates.handlers import instance as handlers

    handlers.process_op_status(OpStatus(
        instance=jobs.instance_name(server.id), operation=opcode, status=status,
        jobId=job_id or 0, cluster=backend.name, event_time=event_time_now(),
        logmsg="Reconciliation simulated event", instance_disks=disks))


def _job_status(rapi: Any, job_id: int | None) -> str:
    if not job_id:
        return ""
    try:
        status = rapi.job(job_id).get("status")
    except RapiError as exc:
        if exc.status == 404:
            return "missing"
        raise
    return status or "missing"


def _observed(volume: Volume, found: Any) -> str:
    """What Ganeti shows of a pending change: 'success' if it happened, else 'error'."""
    if volume.status == "attaching":
        return "success" if found else "error"
    if volume.status == "detaching":
        return "error" if found else "success"
    return "success" if found and found[1]["size"] >= volume.quota_held // MIB else "error"


def _pending(volume: Volume, server: Server, backend: Backend, rapi: Any,
             disks: list[dict[str, Any]], report: Report, fix: bool) -> None:
    status = _job_status(rapi, volume.backend_job_id)
    if status and status not in FINAL_STATUSES and status != "missing":
        return                                   # in flight: its message will come
    lost = not volume.backend_job_id and \
        timezone.now() - volume.updated > timedelta(seconds=LOST_SUBMISSION_SECONDS)
    if not status and not lost:
        return                                   # just recorded; submission under way
    found = _find(volume, disks)
    outcome = status if status in FINAL_STATUSES else _observed(volume, found)
    finding = Finding("job-finished", server.id, str(volume.uuid), volume.disk_name,
                      f"{volume.status} job {volume.backend_job_id or '-'} "
                      f"{status or 'never submitted'} -> {outcome}")
    if fix:
        _simulate(server, backend, PENDING[volume.status], outcome, volume.backend_job_id,
                  disks)
        finding.fixed = True
    report.add(finding)


def _missing(volume: Volume, server: Server, report: Report, fix: bool) -> None:
    finding = Finding("missing-disk", server.id, str(volume.uuid), volume.disk_name,
                      "in use in the database, no such disk in Ganeti")
    if fix and not volume.boot:
        with transaction.atomic():
            locked = volumes._lock(volume.id)
            if locked.status == "in-use" and locked.server_id == server.id:
                locked.status, locked.server, locked.index = "available", None, None
                locked.backend_disk_uuid = ""
                locked.fault = "Its disk was not found in Ganeti (reconciliation)."
                locked.save()
        finding.fixed = True
    report.add(finding)


def _size_drift(volume: Volume, server: Server, index: int, disk: dict[str, Any],
                report: Report, fix: bool) -> None:
    finding = Finding("size-drift", server.id, str(volume.uuid), volume.disk_name,
                      f"database {volume.size * 1024} MiB, Ganeti {disk['size']} MiB")
    if fix and not volume.boot:
        if disk["size"] > volume.size * 1024:
            _adopt_size(volume, -(-disk["size"] // 1024))
        else:
            extend.grow_to_record(volume, disk["size"])
        finding.fixed = True
    report.add(finding)


def _adopt_size(volume: Volume, size: int) -> None:
    """Ganeti's disk is larger (grown behind our back): the volume takes its size."""
    with transaction.atomic():
        locked = volumes._lock(volume.id)
        added = size * GIB - locked.quota_held
        locked.size, locked.quota_held = size, size * GIB
        locked.save(update_fields=["size", "quota_held", "updated"])
    serial = volumes._charge(locked, added, "reconcile", force=True)
    volumes._settle(serial, accept=True)


def _unknown(server: Server, backend: Backend, rapi: Any, index: int, disk: dict[str, Any],
             report: Report, fix: bool) -> None:
    name = disk["name"] or ""
    volume = None
    if name.startswith("vol-"):
        try:
            volume = Volume.objects.filter(uuid=uuidlib.UUID(name[4:])).first()
        except ValueError:
            volume = None
    adoptable = volume is not None and not volume.deleted and volume.status == "available" \
        and volume.server_id is None and volume.owner == server.owner
    detail = "no volume" if volume is None else f"volume {volume.status}"
    finding = Finding("unknown-disk", server.id, str(volume.uuid) if volume else "",
                      name or disk["uuid"] or f"disk/{index}", detail)
    if fix and adoptable:
        with transaction.atomic():
            locked = volumes._lock(volume.id)
            locked.status, locked.server, locked.index = "in-use", server, index
            locked.backend_disk_uuid, locked.fault = disk["uuid"] or "", ""
            locked.save()
        finding.detail += "; adopted"
        finding.fixed = True
    elif fix and volume is not None and volume.deleted:
        job = rapi.modify(jobs.instance_name(server.id), {"disks": [["remove", name, {}]]})
        ServerAction.objects.create(server=server, action="RECONCILE_DISK", job_id=job,
                                    status="submitted", message=f"remove {name}")
        finding.detail += f"; remove job {job}"
        finding.fixed = True
    report.add(finding)


def reconcile_backend(backend: Backend, report: Report, *, fix: bool) -> None:
    rapi = client_for(backend)
    try:
        instances = {i["name"].split(".", 1)[0]: i for i in rapi.instances()}
    except RapiError as exc:
        report.errors.append(f"backend {backend.id}: {exc}")
        return
    servers = Server.objects.filter(backend=backend, deleted=False)
    for server in servers:
        info = instances.get(jobs.instance_name(server.id))
        if info is None or server.operstate == "BUILD":
            continue                  # reconcile-servers decides about the instance itself
        disks = ganeti_disks(info)
        accounted: set[int] = set()
        for volume in Volume.objects.filter(server=server, deleted=False) \
                .select_related("volume_type").order_by("id"):
            found = _find(volume, disks)
            if found:
                accounted.add(found[0])
            if volume.status in PENDING:
                _pending(volume, server, backend, rapi, disks, report, fix)
            elif volume.status == "in-use" and found is None:
                _missing(volume, server, report, fix)
            elif volume.status == "in-use" and found[1]["size"] != volume.size * 1024:
                _size_drift(volume, server, found[0], found[1], report, fix)
        for index, disk in enumerate(disks):
            if index not in accounted:
                _unknown(server, backend, rapi, index, disk, report, fix)


def reconcile(*, fix: bool = False, backend_id: int | None = None) -> Report:
    report = Report()
    backends = Backend.objects.all() if backend_id is None else \
        Backend.objects.filter(pk=backend_id)
    for backend in backends:
        if getattr(backend, "offline", False):
            continue
        try:
            reconcile_backend(backend, report, fix=fix)
        except RapiError as exc:
            report.errors.append(f"backend {backend.id}: {exc}")
    return report
