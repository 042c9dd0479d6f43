"""Volume snapshots: on Archipelago a read-only copy of the volume's map (no data copied).

Other disk templates have no way to freeze a Ganeti disk through upstream RAPI
(Synnefo's original needed a patched Ganeti), so a snapshot of such a volume is a
clear 400. Every snapshot is also a file of its owner in Pithos (`publish.py`):
charged to their pithos.diskspace like the original's snapshots, and registrable as an
image (Glance v2 `location`, or `os-volume_upload_image` on the volume).
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from typing import Any

from django.db import transaction

from cyclades.volume import archipelago, publish
from cyclades.volume.models import Snapshot, Volume
from cyclades.volume.volumes import validate_text
from snf_common.credentials import Credentials
from snf_common.faults import BadRequest, Conflict, ItemNotFound

log = logging.getLogger(__name__)


def snapshot_for(credentials: Credentials, ref: Any) -> Snapshot:
    try:
        key = uuidlib.UUID(str(ref))
    except ValueError:
        raise ItemNotFound(f"Snapshot {ref} not found.") from None
    found = Snapshot.objects.filter(uuid=key, owner=credentials.user_id, deleted=False).first()
    if found is None:
        raise ItemNotFound(f"Snapshot {ref} not found.")
    return found


def create_snapshot(credentials: Credentials, volume: Volume, *, name: Any = "",
                    description: Any = "", force: bool = False) -> Snapshot:
    name, description = validate_text(name, "name"), validate_text(description, "description")
    template = volume.volume_type.disk_template
    if not archipelago.supported(template):
        raise BadRequest(f"Snapshots are supported only for Archipelago volumes; volume "
                         f"{volume.uuid} is {template}.")
    if volume.status not in ("available", "in-use"):
        raise Conflict(f"Volume {volume.uuid} is {volume.status}.")
    if volume.status == "in-use" and not force:
        raise BadRequest(f"Volume {volume.uuid} is in use: pass force=true to snapshot it "
                         "while attached (crash-consistent).")
    snapshot = Snapshot.objects.create(
        owner=credentials.user_id, project=volume.project, volume=volume,
        volume_uuid=str(volume.uuid), name=name, description=description, size=volume.size,
        disk_template=template, status="creating")
    map_name = f"snapshot-{snapshot.uuid}"
    try:
        archipelago.freeze(volume, map_name)
    except Exception:
        snapshot.delete()
        raise
    try:   # the owner's Pithos file: its quota is the snapshot's (413 leaves nothing)
        location = publish.publish(credentials, map_name, publish.object_name(snapshot.uuid),
                                   {"Snapshot-Id": str(snapshot.uuid),
                                    "Snapshot-Volume": str(volume.uuid),
                                    "Snapshot-Name": name})
    except Exception:
        archipelago.remove_map_quietly(map_name)
        snapshot.delete()
        raise
    snapshot.status, snapshot.map_name, snapshot.pithos_location = "available", map_name, location
    snapshot.save(update_fields=["status", "map_name", "pithos_location", "updated"])
    log.info("snapshot %s of volume %s: map %s", snapshot.uuid, volume.uuid, map_name)
    return snapshot


def update_snapshot(snapshot: Snapshot, *, name: Any = None, description: Any = None) -> Snapshot:
    if name is not None:
        snapshot.name = validate_text(name, "name")
    if description is not None:
        snapshot.description = validate_text(description, "description")
    snapshot.save(update_fields=["name", "description", "updated"])
    return snapshot


def delete_snapshot(snapshot: Snapshot, credentials: Credentials | None = None) -> None:
    """Forget the snapshot, its map and its Pithos file (with the owner's token: the
    quota comes back); volumes cloned from it keep their own maps, images registered
    from the file keep their own published maps."""
    with transaction.atomic():
        locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.status not in ("available", "error"):
            raise Conflict(f"Snapshot {locked.uuid} is {locked.status}.")
        if locked.map_name and Volume.objects.filter(
                origin=f"snapshot:{locked.map_name}", deleted=False).exists():
            raise Conflict(f"Snapshot {locked.uuid} has volumes that start from it.")
        locked.status, locked.deleted = "deleted", True
        locked.save(update_fields=["status", "deleted", "updated"])
    if locked.map_name:
        archipelago.remove_map_quietly(locked.map_name)
    if credentials is not None and credentials.user_id == locked.owner:
        publish.unpublish_quietly(credentials, locked.pithos_location)
