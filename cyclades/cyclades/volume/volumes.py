"""Volume lifecycle: create (charged to cyclades.disk), update, delete, attach, detach.

Creating a volume only records it: no Ganeti disk exists until it is attached, so
create and delete are synchronous and their commission is issued and accepted in
the same request (an over-quota create is 413 with nothing recorded). Attach and
detach are instance-modify jobs; the op-status message of the job moves the
volume to in-use / available (updates/handlers/volume.py).
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cyclades import quotas
from cyclades.backends.allocator import ganeti_template
from cyclades.backends.ganeti import jobs
from cyclades.backends.ganeti.rapi import client_for
from cyclades.compute.models import Server, ServerAction
from cyclades.volume import archipelago, volume_types
from cyclades.volume.models import Snapshot, Volume, VolumeType
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, ItemNotFound, ServiceUnavailable

log = logging.getLogger(__name__)

GIB = quotas.GIB
ATTACHABLE_OPERSTATES = ("STARTED", "STOPPED")


# -- access ---------------------------------------------------------------------------
def volume_for(credentials: Credentials, ref: Any, *, for_update: bool = False) -> Volume:
    """The caller's live volume by uuid; another user's volume is simply not found."""
    try:
        key = uuidlib.UUID(str(ref))
    except ValueError:
        raise ItemNotFound(f"Volume {ref} not found.") from None
    query = Volume.objects.select_related("volume_type", "server")
    if for_update:
        query = query.select_for_update(of=("self",))
    volume = query.filter(uuid=key, owner=credentials.user_id, deleted=False).first()
    if volume is None:
        raise ItemNotFound(f"Volume {ref} not found.")
    return volume


def _lock(volume_id: int) -> Volume:
    return (Volume.objects.select_for_update(of=("self",))
            .select_related("volume_type", "server").get(pk=volume_id))


# -- quota (synchronous: issue and accept in the same request) -----------------------
def _charge(volume: Volume, quantity: int, action: str, *, force: bool = False) -> int | None:
    if not quantity:
        return None
    return quotas.holder().issue(owner=volume.owner, project=volume.project,
                                 provisions={"cyclades.disk": quantity}, force=force,
                                 name=f"volume {volume.uuid} {action}")


def _settle(serial: int | None, *, accept: bool) -> None:
    if serial is None:
        return
    try:
        if accept:
            quotas.holder().resolve(accept=[serial], reject=[])
        else:
            quotas.holder().resolve(accept=[], reject=[serial])
    except Exception as exc:  # Astakos down: the serial stays pending; reconciliation decides
        log.warning("volume commission %s: resolve failed: %s", serial, exc)


# -- create ---------------------------------------------------------------------------
def validate_size(size: Any) -> int:
    if isinstance(size, str) and size.strip().isdigit():
        size = int(size)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise BadRequest("size must be a positive number of GiB.")
    if size > settings.CYCLADES_VOLUME_MAX_SIZE_GIB:
        raise BadRequest(f"size is at most {settings.CYCLADES_VOLUME_MAX_SIZE_GIB} GiB.")
    return size


def validate_text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 255:
        raise BadRequest(f"{what} must be a string of at most 255 characters.")
    return value


def _origin_of_image(image: Any, volume_type: VolumeType, size: int) -> str:
    """A thin clone of the image: only Archipelago volumes of a pithosmap:// image."""
    location = getattr(image, "location", "") or ""
    if volume_type.disk_template not in archipelago.CLONE_TEMPLATES:
        raise BadRequest(f"Volumes of type {volume_type.name} ({volume_type.disk_template}) "
                         "cannot start from an image; use an ext_archipelago type.")
    if not location.startswith("pithosmap://"):
        raise BadRequest("This image is not stored in Pithos' block store "
                         "(pithosmap://), so it cannot be cloned into a volume.")
    image_bytes = int(location.rsplit("/", 1)[-1] or 0)
    if image_bytes > size * GIB:
        raise BadRequest(f"The image is {image_bytes} bytes, larger than {size} GiB.")
    return location


def _origin_of_snapshot(snapshot: Snapshot, volume_type: VolumeType, size: int) -> str:
    if snapshot.status != "available" or not snapshot.map_name:
        raise BadRequest(f"Snapshot {snapshot.uuid} is not available.")
    if volume_type.disk_template != snapshot.disk_template:
        raise BadRequest(f"Snapshot {snapshot.uuid} is on {snapshot.disk_template}; "
                         f"the volume type must be too.")
    if size < snapshot.size:
        raise BadRequest(f"The volume must be at least the snapshot's {snapshot.size} GiB.")
    return f"snapshot:{snapshot.map_name}"


def create_volume(credentials: Credentials, *, size: Any, name: Any = "",
                  description: Any = "", volume_type: VolumeType | None = None,
                  image: Any = None, snapshot: Snapshot | None = None,
                  project: str | None = None) -> Volume:
    size = validate_size(size)
    name, description = validate_text(name, "name"), validate_text(description, "description")
    if image is not None and snapshot is not None:
        raise BadRequest("Give imageRef or snapshot_id, not both.")
    if volume_type is None:
        volume_type = volume_types.type_for_template(snapshot.disk_template) if snapshot \
            else volume_types.default_type()
    origin, source = "", ""
    if image is not None:
        origin, source = _origin_of_image(image, volume_type, size), f"image:{image.id}"
    if snapshot is not None:
        origin = _origin_of_snapshot(snapshot, volume_type, size)
        source = f"snapshot:{snapshot.uuid}"
    probe = Volume(owner=credentials.user_id,
                   project=project or credentials.project_id or credentials.user_id,
                   size=size)
    serial = _charge(probe, size * GIB, "create")     # 413 here: nothing is recorded
    try:
        with transaction.atomic():
            volume = Volume.objects.create(
                owner=probe.owner, project=probe.project, name=name, description=description,
                size=size, volume_type=volume_type, status="available", source=source,
                origin=origin, quota_held=size * GIB)
    except Exception:
        _settle(serial, accept=False)
        raise
    _settle(serial, accept=True)
    log.info("volume %s (%s GiB, %s) created for %s", volume.uuid, size,
             volume_type.disk_template, volume.owner)
    return volume


def update_volume(volume: Volume, *, name: Any = None, description: Any = None) -> Volume:
    with transaction.atomic():
        locked = _lock(volume.id)
        if name is not None:
            locked.name = validate_text(name, "name")
        if description is not None:
            locked.description = validate_text(description, "description")
        locked.save(update_fields=["name", "description", "updated"])
    return locked


def delete_volume(volume: Volume) -> None:
    """Delete an unattached volume: forget it, release its quota, drop its frozen map."""
    with transaction.atomic():
        locked = _lock(volume.id)
        if locked.status not in ("available", "error"):
            raise Conflict(f"Volume {locked.uuid} is {locked.status}; only an available or "
                           "failed volume can be deleted (detach it first).")
        held = locked.quota_held
        detached_map = _detached_map(locked)
        _mark_deleted(locked)
    serial = _charge(locked, -held, "delete", force=True)
    _settle(serial, accept=True)
    if detached_map:
        archipelago.remove_map_quietly(detached_map)


def _mark_deleted(volume: Volume) -> None:
    volume.status, volume.deleted, volume.server, volume.index = "deleted", True, None, None
    volume.quota_held = 0
    volume.save()


def _detached_map(volume: Volume) -> str:
    """The frozen map a detach left behind (what a re-attach would clone)."""
    if volume.origin.startswith("snapshot:detached-"):
        return volume.origin[len("snapshot:"):]
    return ""


# -- attach / detach -------------------------------------------------------------------
def _lock_server(server_id: int) -> Server:
    return (Server.objects.select_for_update(of=("self",)).select_related("backend", "flavor")
            .get(pk=server_id))


def _check_server(server: Server, what: str) -> None:
    if server.deleted or server.operstate not in ATTACHABLE_OPERSTATES or server.task:
        raise Conflict(f"Cannot {what} a volume while server {server.id} is "
                       f"{server.task.lower() or server.operstate.lower()}.")


def disk_spec(volume: Volume) -> dict[str, Any]:
    """The RAPI disk of a volume: size in MiB, its name, provider and origin for ExtStorage."""
    spec: dict[str, Any] = {"size": volume.size * 1024, "name": volume.disk_name}
    if volume.volume_type.provider:
        spec["provider"] = volume.volume_type.provider
        if volume.origin:
            spec["origin"] = volume.origin
    return spec


def attach(volume: Volume, server: Server) -> Volume:
    """Add the volume as a new disk of the server's instance (one modify job)."""
    with transaction.atomic():
        locked_server = _lock_server(server.id)
        locked = _lock(volume.id)
        _check_server(locked_server, "attach")
        if locked.status != "available":
            raise Conflict(f"Volume {locked.uuid} is {locked.status}, not available.")
        if locked.server_id is not None:
            raise Conflict(f"Volume {locked.uuid} is attached to server {locked.server_id}.")
        if locked.project != locked_server.project and locked.owner != locked_server.owner:
            raise BadRequest("The volume and the server belong to different owners.")
        template = ganeti_template(locked_server.flavor.disk_template)
        if template != locked.volume_type.template:
            raise BadRequest(f"Server {locked_server.id} has {template} disks; a "
                             f"{locked.volume_type.disk_template} volume cannot join it.")
        locked.status, locked.server, locked.backend_job_id = "attaching", locked_server, None
        locked.fault = ""
        locked.save()
        entry = ServerAction.objects.create(server=locked_server, action="ATTACH_VOLUME",
                                            message=str(locked.uuid))
        body = {"disks": [["add", disk_spec(locked)]]}
        transaction.on_commit(partial(_submit, locked.id, locked_server.id, entry.id, body,
                                      "attaching", "available"))
    return _after_submit(locked.id, entry.id, "attach")


def detach(volume: Volume, server: Server) -> Volume:
    """Remove the volume's disk from the instance; an Archipelago volume keeps its data
    as a frozen map the next attach clones."""
    with transaction.atomic():
        locked_server = _lock_server(server.id)
        locked = _lock(volume.id)
        if locked.server_id != locked_server.id:
            raise ItemNotFound(f"Volume {locked.uuid} is not attached to server "
                               f"{locked_server.id}.")
        _check_server(locked_server, "detach")
        if locked.boot:
            raise BadRequest("The boot volume of a server cannot be detached.")
        if locked.status != "in-use":
            raise Conflict(f"Volume {locked.uuid} is {locked.status}, not in-use.")
        if not volume_types.detachable(locked.volume_type):
            raise BadRequest(f"Volumes of type {locked.volume_type.name} "
                             f"({locked.volume_type.disk_template}) cannot be detached: "
                             "Ganeti would destroy the disk's data.")
        frozen = archipelago.freeze_for_detach(locked)
        if frozen:
            old = _detached_map(locked)
            locked.origin = f"snapshot:{frozen}"
            if old:
                transaction.on_commit(partial(archipelago.remove_map_quietly, old))
        locked.status, locked.backend_job_id = "detaching", None
        locked.save()
        entry = ServerAction.objects.create(server=locked_server, action="DETACH_VOLUME",
                                            message=str(locked.uuid))
        body = {"disks": [["remove", locked.disk_name, {}]]}
        transaction.on_commit(partial(_submit, locked.id, locked_server.id, entry.id, body,
                                      "detaching", "in-use"))
    return _after_submit(locked.id, entry.id, "detach")


def _submit(volume_id: int, server_id: int, action_id: int, body: dict[str, Any],
            pending: str, undo: str) -> None:
    server = Server.objects.select_related("backend").get(pk=server_id)
    try:
        job_id = client_for(server.backend).modify(jobs.instance_name(server.id), body)
    except Exception as exc:  # Ganeti never took the job: undo the intent
        log.error("volume %s: modify job of server %s not submitted: %s", volume_id,
                  server_id, exc)
        with transaction.atomic():
            volume = _lock(volume_id)
            if volume.status == pending:
                volume.status = undo
                if undo == "available":
                    volume.server = None
                volume.save()
            ServerAction.objects.filter(pk=action_id).update(
                status="error", message=str(exc)[:2000], finished=timezone.now())
        return
    with transaction.atomic():
        Volume.objects.filter(pk=volume_id, status=pending).update(backend_job_id=job_id)
        ServerAction.objects.filter(pk=action_id).update(job_id=job_id, status="submitted")
    log.info("volume %s: job %s on server %s (%s)", volume_id, job_id, server_id, pending)


def _after_submit(volume_id: int, action_id: int, what: str) -> Volume:
    entry = ServerAction.objects.get(pk=action_id)
    if entry.status == "error":
        raise ServiceUnavailable(f"The cluster did not accept the {what}: {entry.message}")
    return Volume.objects.select_related("volume_type", "server").get(pk=volume_id)


# -- boot volumes ---------------------------------------------------------------------
def create_boot_volume(server: Server) -> Volume:
    """The server's root disk as a Volume (its quota is the server's cyclades.disk)."""
    flavor = server.flavor
    return Volume.objects.create(
        owner=server.owner, project=server.project, name=f"{server.name} boot disk",
        size=flavor.disk, volume_type=volume_types.type_for_template(flavor.disk_template),
        status="attaching", server=server, index=0, boot=True, delete_on_termination=True,
        source=f"image:{server.image_id}" if server.image_id else "",
        origin=(server.image or {}).get("location", "") if
        (server.image or {}).get("location", "").startswith("pithosmap://") else "")


def boot_disk_name(server_id: int) -> str:
    return f"disk-{server_id}-0"


def attached_to(server: Server) -> list[Volume]:
    return list(Volume.objects.filter(server=server, deleted=False)
                .select_related("volume_type").order_by("index", "id"))


def server_for(credentials: Credentials, server_id: Any) -> Server:
    from cyclades.compute import access

    return access.server_for(credentials, server_id)


def attachment_for(server: Server, volume_ref: Any) -> Volume:
    for volume in attached_to(server):
        if str(volume.uuid) == str(volume_ref):
            return volume
    raise ItemNotFound(f"Volume {volume_ref} is not attached to server {server.id}.")
